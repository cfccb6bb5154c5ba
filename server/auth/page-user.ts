import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import type { Role } from "@/lib/mission/schema";
import { getDatabase } from "@/server/db/client";
import { resolveCaller } from "./caller";
import type { SessionUser } from "./users";

/** For server pages: the signed-in user, or a redirect to sign-in. */
export async function requirePageUser(path = "/missions"): Promise<SessionUser> {
  await connection();
  const database = await getDatabase();
  const caller = await resolveCaller(database.db, await headers());
  if (!caller.user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return caller.user;
}

export function can(user: SessionUser, role: Role): boolean {
  return user.roles.includes(role);
}
