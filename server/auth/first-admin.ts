import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { Db } from "@/server/db/database";
import { setupToken, user } from "@/server/db/schema";
import { hashApiKey } from "./api-keys";
import { createUser, type SessionUser } from "./users";

/** Redeems the one-time setup link printed on an empty, non-demo database. */
export async function createFirstAdmin(db: Db, input: { token: string; email: string; name: string; password: string }): Promise<SessionUser> {
  const [row] = await db.select().from(setupToken).where(and(eq(setupToken.hash, hashApiKey(input.token)), isNull(setupToken.usedAt)));
  if (!row) throw new AppError("forbidden", "This setup link is invalid or was already used", [{ path: "token", message: "invalid or used" }]);
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(user);
  if ((count?.n ?? 0) > 0) throw new AppError("conflict", "An admin already exists: sign in instead");
  const admin = await createUser(db, { email: input.email, name: input.name, password: input.password, roles: ["admin", "builder", "approver"] });
  await db.update(setupToken).set({ usedAt: new Date() }).where(eq(setupToken.hash, row.hash));
  return admin;
}
