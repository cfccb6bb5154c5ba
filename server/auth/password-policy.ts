import "server-only";
import { MIN_PASSWORD_LENGTH } from "@/lib/password-rules";
import { COMMON_PASSWORDS } from "./common-passwords";

// NIST SP 800-63B: length over composition rules, and refuse what a guesser tries first — common
// passwords and words from the account itself. Applied wherever a password is set: createUser
// (admins, the first admin, demo users) and better-auth's change-password (server/auth/auth.ts).

export { MIN_PASSWORD_LENGTH };
/** better-auth's own ceiling; a longer one could be set here but never used to sign in. */
export const MAX_PASSWORD_LENGTH = 128;
const MIN_DISTINCT_CHARACTERS = 5;

const compact = (s: string) => s.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, "");

/** Why this password may not be set for this email, as a phrase after "Password …", or null. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  const local = email.trim().toLowerCase().split("@")[0] ?? "";
  // The whole local part, and its words (`dana` of dana.lopez@…); one or two letters say nothing.
  const words = [local, ...local.split(/[._+-]+/).filter((w) => w.length >= 4)].filter((w) => w.length >= 3);
  const word = words.find((w) => lower.includes(w));
  if (word) return `must not contain “${word}” from the email address`;
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(compact(password))) return "is one of the most common passwords: choose another";
  if (new Set(lower).size < MIN_DISTINCT_CHARACTERS) return `must use at least ${MIN_DISTINCT_CHARACTERS} different characters`;
  return null;
}
