import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { getTemplate } from "@/lib/mission/templates";
import { auditLog } from "@/server/db/schema";
import { createUser, setRoles } from "@/server/auth/users";
import { createApiKey, revokeApiKey } from "@/server/auth/api-keys";
import { createAuth } from "@/server/auth/auth";
import { createMission, importMission, saveVersion } from "@/server/missions/service";
import { auditRouter } from "@/server/api/routers/audit";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import * as auditExport from "@/app/api/v1/audit/route";
import * as runAudit from "@/app/api/v1/runs/[id]/audit/route";
import { userActor } from "./record";
import { verifyAuditChain } from "./verify";

const createCaller = createCallerFactory(auditRouter);

/** The acts the app itself records, checked through the same functions the UI and API call. */
describe.each(testDatabases())("audited acts on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  async function latest(action: string) {
    const rows = await h.database.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(asc(auditLog.id));
    return rows[rows.length - 1];
  }

  it("records users created and roles changed, with before and after", async () => {
    const admin = { id: h.userId("admin"), email: "admin@test.local" };
    const u = await createUser(h.database.db, { email: "grace@test.local", name: "Grace", password: "correct-horse-battery", roles: ["viewer"] }, userActor(admin));
    expect(await latest("user.created")).toMatchObject({ actorId: admin.id, actorLabel: "admin@test.local", targetType: "user", targetId: u.id, data: { email: "grace@test.local", roles: ["viewer"] } });
    await setRoles(h.database.db, u.id, ["builder", "approver", "builder"], userActor(admin));
    expect(await latest("user.roles_changed")).toMatchObject({ actorId: admin.id, targetId: u.id, data: { before: ["viewer"], after: ["approver", "builder"] } });
    // Seeding (no actor) is the system's act.
    const seeded = await createUser(h.database.db, { email: "seed@test.local", name: "Seed", password: "correct-horse-battery", roles: ["viewer"] });
    expect(await latest("user.created")).toMatchObject({ actorId: null, actorLabel: "system", targetId: seeded.id });
  });

  it("records API keys created and revoked", async () => {
    const adminId = h.userId("admin");
    // A key is its creator's own: the builder makes it, an admin revokes it.
    const { view } = await createApiKey(h.database.db, { name: "CI" }, h.userId("builder"));
    expect(await latest("api_key.created")).toMatchObject({ actorId: h.userId("builder"), actorLabel: "builder@test.local", targetId: view.id, data: { name: "CI", prefix: view.prefix, userId: h.userId("builder") } });
    await revokeApiKey(h.database.db, view.id, { id: adminId });
    expect(await latest("api_key.revoked")).toMatchObject({ actorId: adminId, actorLabel: "admin@test.local", targetType: "api_key", targetId: view.id });
  });

  it("records mission versions saved and missions imported, but not an unchanged save", async () => {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: "Refunds", template: "refund" }, builder);
    const v1 = await saveVersion(h.database.db, m.id, { message: "first" }, builder);
    expect(await latest("mission.version_saved")).toMatchObject({ actorId: builder, actorLabel: "builder@test.local", targetId: m.id, data: { version: 1, versionId: v1.id, contentHash: v1.contentHash, message: "first" } });
    const before = (await h.database.db.select().from(auditLog)).length;
    const again = await saveVersion(h.database.db, m.id, {}, builder);
    expect(again.unchanged).toBe(true);
    expect((await h.database.db.select().from(auditLog)).length).toBe(before);

    const graph = getTemplate("refund")!.graph();
    const imported = await importMission(h.database.db, graph, builder);
    expect(await latest("mission.imported")).toMatchObject({ actorId: builder, targetType: "mission", targetId: imported.id, data: { name: graph.name, version: 1 } });
  });

  it("records a sign-in through better-auth", async () => {
    const auth = createAuth(h.database.db, "http://localhost:3999", "an-auth-secret-for-tests-only-0123456789");
    await auth.api.signInEmail({ body: { email: "approver@test.local", password: "correct-horse-battery" }, headers: new Headers({ "user-agent": "vitest" }) });
    expect(await latest("auth.sign_in")).toMatchObject({ actorId: h.userId("approver"), actorLabel: "approver@test.local", targetId: h.userId("approver"), data: { userAgent: "vitest" } });
    await expect(auth.api.signInEmail({ body: { email: "approver@test.local", password: "wrong-password-here" } })).rejects.toThrow();
    const signIns = await h.database.db.select().from(auditLog).where(eq(auditLog.action, "auth.sign_in"));
    expect(signIns).toHaveLength(1);
  });

  it("keeps every act above on one intact chain", async () => {
    const result = await verifyAuditChain(h.database);
    expect(result.ok).toBe(true);
    // 4 harness users + 4 keys, then the acts above.
    expect(result.count).toBeGreaterThanOrEqual(16);
  });

  it("lists, filters and verifies through tRPC for admins only", async () => {
    const admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    const page = await admin.list({ action: "user.*", limit: 2 });
    expect(page.entries).toHaveLength(2);
    expect(page.entries[0]!.id).toBeGreaterThan(page.entries[1]!.id);
    expect(page.nextCursor).toBe(page.entries[1]!.id);
    const next = await admin.list({ action: "user.*", limit: 2, cursor: page.nextCursor });
    expect(next.entries[0]!.id).toBeLessThan(page.nextCursor!);
    expect((await admin.facets()).actions).toContain("auth.sign_in");
    expect(await admin.verify()).toMatchObject({ ok: true });
    await expect(admin.list({ from: "someday", limit: 5 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const builder = createCaller(await createContext({ headers: h.headers("builder"), database: h.database }));
    await expect(builder.list({ limit: 5 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(builder.verify()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("exports JSON Lines over REST with an admin key only", async () => {
    const res = await auditExport.GET(new Request("http://localhost/api/v1/audit?action=api_key.*", { headers: h.headers("admin") }), { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="steward-audit-.*\.jsonl"/);
    const lines = (await res.text()).split("\n");
    expect(lines.pop()).toBe("");
    const entries = lines.map((l) => JSON.parse(l) as { id: number; action: string });
    expect(entries.length).toBeGreaterThanOrEqual(6);
    expect(entries.every((e) => e.action.startsWith("api_key."))).toBe(true);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));

    const bad = await auditExport.GET(new Request("http://localhost/api/v1/audit?to=whenever", { headers: h.headers("admin") }), { params: Promise.resolve({}) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request", problems: [{ path: "to" }] } });
    for (const p of ["builder", "approver", "viewer"] as const) {
      const res = await auditExport.GET(new Request("http://localhost/api/v1/audit", { headers: h.headers(p) }), { params: Promise.resolve({}) });
      expect(res.status).toBe(403);
    }
    expect((await auditExport.GET(new Request("http://localhost/api/v1/audit"), { params: Promise.resolve({}) })).status).toBe(401);
  });

  it("serves a run's audit record to any role, 404 for an unknown run", async () => {
    const unknown = await runAudit.GET(new Request("http://localhost/api/v1/runs/nope/audit", { headers: h.headers("viewer") }), { params: Promise.resolve({ id: "nope" }) });
    expect(unknown.status).toBe(404);
    const anonymous = await runAudit.GET(new Request("http://localhost/api/v1/runs/nope/audit"), { params: Promise.resolve({ id: "nope" }) });
    expect(anonymous.status).toBe(401);
  });
});
