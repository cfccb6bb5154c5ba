import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { appUrl, dataDir, env } from "@/server/env";
import { getDb } from "@/server/db/client";
import * as schema from "@/server/db/schema";
import type { Db } from "@/server/db/database";
import { recordAudit } from "@/server/audit/record";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { findUnstorableText } from "@/lib/storable-text";
import { CLIENT_ADDRESS_HEADER } from "@/server/portal/client-address";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from "./password-policy";

/** Session signing secret: env, else derived from the secret key, else kept in the embedded data dir. */
function authSecret(): string {
  const e = env();
  if (e.BETTER_AUTH_SECRET) return e.BETTER_AUTH_SECRET;
  if (e.STEWARD_SECRET_KEY) return crypto.createHmac("sha256", e.STEWARD_SECRET_KEY).update("steward-auth").digest("hex");
  if (e.DATABASE_URL) throw new Error("Set BETTER_AUTH_SECRET or STEWARD_SECRET_KEY when using DATABASE_URL (every replica needs the same one).");
  const file = path.join(dataDir(), "auth.secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    const secret = crypto.randomBytes(32).toString("hex");
    fs.mkdirSync(dataDir(), { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** The origins the app's pages are served from: sign-in and every cookie request must come from one. */
export function trustedOrigins(baseURL: string = appUrl()): string[] {
  const url = new URL(baseURL);
  const port = url.port ? `:${url.port}` : "";
  return [...new Set([url.origin, `http://localhost${port}`, `http://127.0.0.1${port}`])];
}

/**
 * Before any better-auth endpoint runs: text PostgreSQL cannot store is a 400 naming the field
 * (not a 500 from the database), and a new password meets the policy (createUser applies the same
 * one to accounts admins create).
 */
const guardInput = createAuthMiddleware(async (ctx) => {
  const bad = findUnstorableText(ctx.body);
  if (bad) throw new APIError("BAD_REQUEST", { message: `${bad.path} ${bad.message}`, code: "INVALID_TEXT" });
  if (ctx.path === "/change-password" && typeof ctx.body?.newPassword === "string") {
    const session = await getSessionFromCtx(ctx);
    const problem = passwordProblem(ctx.body.newPassword, session?.user.email ?? "");
    if (problem) throw new APIError("BAD_REQUEST", { message: `The new password ${problem}`, code: "PASSWORD_REFUSED" });
  }
});

export function createAuth(db: Db, baseURL: string, secret: string) {
  return betterAuth({
    appName: "Steward",
    baseURL,
    secret,
    database: drizzleAdapter(db, { provider: "pg", schema }),
    // Accounts are created by admins (and the first-admin link), never by open sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: MIN_PASSWORD_LENGTH, maxPasswordLength: MAX_PASSWORD_LENGTH },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    trustedOrigins: trustedOrigins(baseURL),
    // Names and emails are set by admins: a user who renamed themselves "Avery Approver" would be
    // shown under that name on decision pages and in the audit. Accounts are removed by admins too.
    disabledPaths: ["/update-user", "/change-email", "/delete-user"],
    // The client address the server stamped on the request (the socket's, or behind a trusted
    // proxy the one it added), never a client's own x-forwarded-for: rate limits, sessions and the
    // sign-in audit record it. Without the stamp there is none: limits share one bucket.
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] } },
    hooks: { before: guardInput },
    telemetry: { enabled: false },
    // Slows password guessing; the limit is configurable because automated suites sign in often.
    rateLimit: {
      enabled: true,
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: env().STEWARD_SIGNIN_RATE_LIMIT } },
    },
    databaseHooks: {
      session: {
        create: {
          // Runs after better-auth's own transaction, so writing through `db` cannot wait on it.
          after: async (session) => {
            await recordAudit(db, { action: "auth.sign_in", actor: { id: session.userId }, targetType: "user", targetId: session.userId, data: { ipAddress: session.ipAddress ?? null, userAgent: session.userAgent ?? null } });
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

declare global {
  var __stewardAuth: Promise<Auth> | undefined;
}

export function getAuth(): Promise<Auth> {
  globalThis.__stewardAuth ??= getDb().then((db) => createAuth(db, appUrl(), authSecret()));
  return globalThis.__stewardAuth;
}
