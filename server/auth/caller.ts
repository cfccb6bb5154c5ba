import "server-only";
import { getAuth } from "./auth";
import { userForApiKey } from "./api-keys";
import { rolesOf, type SessionUser } from "./users";
import type { Db } from "@/server/db/database";

export interface Caller {
  /** With `via: "api_key"`, `user.apiKey` names the key: what it does is audited as that key of its owner. */
  user: SessionUser | null;
  via: "session" | "api_key" | "anonymous";
}

/**
 * Who is calling: an API key (`Authorization: Bearer …`), acting as the user who created it with
 * that user's current roles, or a better-auth session cookie.
 */
export async function resolveCaller(db: Db, headers: Headers): Promise<Caller> {
  const authz = headers.get("authorization");
  if (authz?.toLowerCase().startsWith("bearer ")) {
    const u = await userForApiKey(db, authz.slice(7).trim());
    return u ? { user: u, via: "api_key" } : { user: null, via: "anonymous" };
  }
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers });
  if (!session) return { user: null, via: "anonymous" };
  const { id, email, name } = session.user;
  return { user: { id, email, name, roles: await rolesOf(db, id) }, via: "session" };
}
