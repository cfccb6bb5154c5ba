import "server-only";
import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { apiKey, setupToken, user } from "@/server/db/schema";
import { createUser } from "@/server/auth/users";
import { createApiKey, hashApiKey } from "@/server/auth/api-keys";
import { DEMO_USERS } from "./demo-users";

async function countUsers(database: Database): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(user);
  return row?.n ?? 0;
}

/** STEWARD_BOOTSTRAP_API_KEY on an empty database: an automation user with an admin key of that value. */
export async function seedBootstrapKey(database: Database, key: string): Promise<boolean> {
  if ((await countUsers(database)) > 0) return false;
  const existing = await database.db.select({ id: apiKey.id }).from(apiKey).where(eq(apiKey.hash, hashApiKey(key)));
  if (existing.length) return false;
  const automation = await createUser(database.db, {
    email: "automation@steward.local",
    name: "Automation",
    password: crypto.randomBytes(24).toString("base64url"),
    roles: ["admin", "builder", "approver"],
  });
  await createApiKey(database.db, { name: "Bootstrap key" }, automation.id, key);
  return true;
}

/** Demo mode: the sample sign-ins (idempotent: existing users are left alone). */
export async function seedDemoUsers(database: Database): Promise<number> {
  let created = 0;
  for (const u of DEMO_USERS) {
    const exists = await database.db.select({ id: user.id }).from(user).where(eq(user.email, u.email));
    if (exists.length) continue;
    await createUser(database.db, { email: u.email, name: u.name, password: u.password, roles: u.roles });
    created++;
  }
  return created;
}

/** No users and no demo: a one-time link that lets the first admin be created. */
export async function firstAdminLink(database: Database): Promise<string | null> {
  if ((await countUsers(database)) > 0) return null;
  const token = crypto.randomBytes(24).toString("base64url");
  await database.db.delete(setupToken);
  await database.db.insert(setupToken).values({ hash: hashApiKey(token) });
  return token;
}
