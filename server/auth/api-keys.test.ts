import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import type { Role } from "@/lib/mission/schema";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { recordAudit } from "@/server/audit/record";
import { apiKey } from "@/server/db/schema";
import { getAuth } from "./auth";
import { hashApiKey } from "./api-keys";

process.env.STEWARD_SECRET_KEY ??= "d".repeat(64);

// Finding 6 of issue #18: an admin minted a key for another user and acted as them, so one admin
// could satisfy a four-eyes rule alone. A key now acts as the user who created it, nobody else.
describe.each(testDatabases())("API keys belong to the user who creates them, on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h?.close());

  /** Headers with a real better-auth session cookie of the persona (a browser, not a key). */
  async function session(role: Role): Promise<Headers> {
    const auth = await getAuth();
    const res = await auth.api.signInEmail({ body: { email: `${role}@test.local`, password: "correct-horse-battery" }, asResponse: true });
    const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    expect(cookie).toContain("session_token");
    return new Headers({ cookie, "content-type": "application/json" });
  }
  const trpc = async (headers: Headers) => createCaller(await createContext({ headers, database: h.database }));
  const keysOf = (userId: string) => h.database.db.select({ id: apiKey.id }).from(apiKey).where(eq(apiKey.userId, userId));

  it("refuses an admin minting a key for another user, naming userId, and stores nothing", async () => {
    const admin = await trpc(await session("admin"));
    const before = (await keysOf(h.userId("approver"))).length;
    await expect(admin.apiKeys.create({ name: "acts as the approver", userId: h.userId("approver") })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("acts as the user who creates it"),
      cause: { problems: [{ path: "userId", message: expect.stringContaining("your own") }] },
    });
    expect((await keysOf(h.userId("approver"))).length).toBe(before);
    // Naming themselves is fine (the form used to send it).
    const own = await admin.apiKeys.create({ name: "admin's own", userId: h.userId("admin") });
    expect(own.view).toMatchObject({ userId: h.userId("admin"), userEmail: "admin@test.local", createdBy: null });
  });

  it("lets an approver create, list and revoke their own keys, and no one else's", async () => {
    const approver = await trpc(await session("approver"));
    const { key, view } = await approver.apiKeys.create({ name: "decision bot" });
    expect(key).toMatch(/^stw_/);
    expect(view).toMatchObject({ name: "decision bot", userId: h.userId("approver"), prefix: key.slice(0, 10) });
    const listed = await approver.apiKeys.list();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((k) => k.userId === h.userId("approver"))).toBe(true);
    await expect(approver.apiKeys.list({ scope: "all" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    // The key works, and carries its owner's roles: approver, not admin.
    const viaKey = await trpc(new Headers({ authorization: `Bearer ${key}` }));
    expect(await viaKey.users.whoami()).toMatchObject({ id: h.userId("approver"), roles: ["approver"], apiKey: { id: view.id, prefix: view.prefix } });
    await expect(viaKey.users.list()).rejects.toMatchObject({ code: "FORBIDDEN" });

    const [adminKey] = await keysOf(h.userId("admin"));
    await expect(approver.apiKeys.revoke({ id: adminKey!.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await approver.apiKeys.revoke({ id: view.id });
    expect((await approver.apiKeys.list()).find((k) => k.id === view.id)?.revokedAt).not.toBeNull();
    // A new request with the revoked key is refused.
    await expect((await trpc(new Headers({ authorization: `Bearer ${key}` }))).users.whoami()).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    // Admins see every key and may revoke any (revoking only takes power away).
    const admin = await trpc(await session("admin"));
    const all = await admin.apiKeys.list({ scope: "all" });
    expect(new Set(all.map((k) => k.userId))).toEqual(new Set(["viewer", "approver", "builder", "admin"].map((r) => h.userId(r as Role))));
  });

  it("does not let a key mint keys: a leaked key cannot make itself a successor", async () => {
    const viaKey = await trpc(h.headers("admin"));
    await expect(viaKey.apiKeys.create({ name: "successor" })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("signed in") });
  });

  it("shows a key made for someone else before this change as made by its creator for its owner", async () => {
    // What the old code stored: a key owned by the approver, created (and audited) by the admin.
    const id = crypto.randomUUID();
    await h.database.db.insert(apiKey).values({ id, name: "legacy", prefix: "stw_legacy", hash: hashApiKey("stw_legacy-key-value"), userId: h.userId("approver") });
    await recordAudit(h.database, { action: "api_key.created", actor: { id: h.userId("admin") }, targetType: "api_key", targetId: id, data: { name: "legacy", prefix: "stw_legacy", userId: h.userId("approver") } });
    const admin = await trpc(await session("admin"));
    const legacy = (await admin.apiKeys.list({ scope: "all" })).find((k) => k.id === id);
    expect(legacy).toMatchObject({ userEmail: "approver@test.local", createdBy: { id: h.userId("admin"), email: "admin@test.local" } });
    // Its owner sees it too, and who made it.
    const approver = await trpc(await session("approver"));
    expect((await approver.apiKeys.list()).find((k) => k.id === id)).toMatchObject({ createdBy: { email: "admin@test.local" } });
    const [n] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from api_key where id = ${id} and revoked_at is null`);
    expect(n?.n).toBe(1);
  });
});
