import type { Role } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { createUser } from "@/server/auth/users";
import { createApiKey } from "@/server/auth/api-keys";
import type { TestDatabase } from "./databases";

export type Persona = "anonymous" | Role;
export const PERSONAS: Persona[] = ["anonymous", "viewer", "approver", "builder", "admin"];

export interface Harness {
  database: Database;
  /** Request headers that authenticate as the persona (an API key of a user holding that one role). */
  headers(p: Persona): Headers;
  userId(p: Role): string;
  close(): Promise<void>;
}

/**
 * A fresh database installed as the process database (what route handlers and tRPC use),
 * with one user and API key per role.
 */
export async function openHarness(tdb: TestDatabase): Promise<Harness> {
  const database = await tdb.open();
  globalThis.__stewardDatabase = Promise.resolve(database);
  globalThis.__stewardAuth = undefined;
  const keys = new Map<Role, { key: string; userId: string }>();
  for (const role of ["viewer", "approver", "builder", "admin"] as const) {
    const u = await createUser(database.db, { email: `${role}@test.local`, name: role, password: "correct-horse-battery", roles: [role] });
    const { key } = await createApiKey(database.db, { name: `${role} key` }, u.id);
    keys.set(role, { key, userId: u.id });
  }
  return {
    database,
    headers(p) {
      const h = new Headers({ "content-type": "application/json" });
      if (p !== "anonymous") h.set("authorization", `Bearer ${keys.get(p)!.key}`);
      return h;
    },
    userId(p) {
      return keys.get(p)!.userId;
    },
    async close() {
      globalThis.__stewardDatabase = undefined;
      globalThis.__stewardAuth = undefined;
      await database.close();
    },
  };
}
