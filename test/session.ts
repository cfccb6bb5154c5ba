import { getAuth } from "@/server/auth/auth";
import { appUrl } from "@/server/env";

/** The harness users' password (test/app-harness.ts). */
export const HARNESS_PASSWORD = "correct-horse-battery";

/**
 * Signs in through better-auth's real handler, as the sign-in page does, and returns the session
 * cookie (`name=value`) a browser would then attach to every request to the app.
 */
export async function sessionCookie(email: string, password = HARNESS_PASSWORD): Promise<string> {
  const auth = await getAuth();
  const res = await auth.handler(
    new Request(`${appUrl()}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) }),
  );
  if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.includes("session_token="));
  if (!cookie) throw new Error("sign-in set no session cookie");
  return cookie.split(";")[0]!;
}
