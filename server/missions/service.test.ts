import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { isAppError } from "@/lib/errors";
import { getTemplate } from "@/lib/mission/templates";
import type { MissionGraph } from "@/lib/mission/schema";
import { mission, missionVersion } from "@/server/db/schema";
import * as svc from "./service";

function refund(): MissionGraph {
  const t = getTemplate("refund");
  if (!t) throw new Error("refund template missing");
  return t.graph();
}

async function counts(h: Harness) {
  const [m] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from ${mission}`);
  const [v] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from ${missionVersion}`);
  return { missions: m?.n ?? -1, versions: v?.n ?? -1 };
}

describe.each(testDatabases())("missions and versions on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  it("creates, renames, archives and lists missions", async () => {
    const m = await svc.createMission(h.database.db, { name: "Refunds", template: "refund" }, h.userId("builder"));
    expect(m.draft.nodes.length).toBeGreaterThan(5);
    await svc.renameMission(h.database.db, m.id, "Refund adjudication");
    await svc.setArchived(h.database.db, m.id, true);
    expect((await svc.listMissions(h.database.db)).find((x) => x.id === m.id)).toBeUndefined();
    const all = await svc.listMissions(h.database.db, { includeArchived: true });
    expect(all.find((x) => x.id === m.id)?.name).toBe("Refund adjudication");
  });

  it("rejects a bad name naming the field", async () => {
    const err = await svc.createMission(h.database.db, { name: "   " }, null).catch((e: unknown) => e);
    expect(isAppError(err) && err.status).toBe(400);
    expect(isAppError(err) && err.problems[0]?.path).toBe("name");
  });

  it("saves immutable, numbered versions with a content hash", async () => {
    const m = await svc.createMission(h.database.db, { name: "Versions", template: "refund" }, null);
    const v1 = await svc.saveVersion(h.database.db, m.id, { message: "first" }, h.userId("builder"));
    expect(v1.number).toBe(1);
    expect(v1.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const same = await svc.saveVersion(h.database.db, m.id, { message: "again" }, null);
    expect(same).toMatchObject({ number: 1, unchanged: true });
    const g = structuredClone(m.draft);
    g.nodes[0]!.position = { x: 999, y: 1 };
    const v2 = await svc.saveVersion(h.database.db, m.id, { graph: g, message: "moved" }, null);
    expect(v2.number).toBe(2);
    expect(v2.contentHash).not.toBe(v1.contentHash);
    // The database itself refuses to change a saved version.
    const refused = await h.database.db.execute(sql`update mission_version set message = 'tampered' where id = ${v1.id}`).catch((e: Error) => e);
    expect(String((refused as Error).cause ?? refused)).toMatch(/immutable/);
    expect((await svc.getVersion(h.database.db, m.id, 1)).message).toBe("first");
    expect((await svc.listVersions(h.database.db, m.id)).map((v) => v.number)).toEqual([2, 1]);
  });

  it("gives concurrent saves consecutive numbers", async () => {
    const m = await svc.createMission(h.database.db, { name: "Concurrent" }, null);
    const graphs = [1, 2, 3, 4].map((i) => ({ ...m.draft, description: `d${i}` }));
    const saved = await Promise.all(graphs.map((g) => svc.saveVersion(h.database.db, m.id, { graph: g }, null)));
    expect(saved.map((v) => v.number).sort()).toEqual([1, 2, 3, 4]);
  });

  it("diffs two versions", async () => {
    const base = refund();
    const m = await svc.importMission(h.database.db, base, null);
    const g = structuredClone(base);
    g.nodes = g.nodes.filter((n) => n.id !== "crm_note");
    g.edges = g.edges.filter((e) => e.source !== "crm_note" && e.target !== "crm_note");
    g.edges.push({ id: "e-refund-verdict", source: "issue_refund", target: "verdict" });
    const reasonNode = g.nodes.find((n) => n.id === "reason");
    if (reasonNode?.kind === "worker") reasonNode.data.instructions += " Be brief.";
    g.nodes.push({ id: "notify", kind: "action", position: { x: 0, y: 0 }, data: { label: "Notify", tool: "crm.add_note", args: {} } });
    await svc.saveVersion(h.database.db, m.id, { graph: g }, null);
    const d = await svc.diffVersions(h.database.db, m.id, 1, 2);
    expect(d.nodes.added).toEqual(["notify"]);
    expect(d.nodes.removed).toEqual(["crm_note"]);
    expect(d.nodes.changed.map((c) => c.id)).toEqual(["reason"]);
    expect(d.edges.added).toContain("e-refund-verdict");
  });

  it("imports a valid document as version 1 and exports the same graph", async () => {
    const before = await counts(h);
    const doc = refund();
    const m = await svc.importMission(h.database.db, JSON.stringify(doc), h.userId("builder"));
    expect(m.latestVersion).toBe(1);
    expect(await svc.exportMission(h.database.db, m.id)).toEqual(doc);
    expect(await counts(h)).toEqual({ missions: before.missions + 1, versions: before.versions + 1 });
  });

  it("answers every malformed import with a 4xx naming the problem and writes nothing", async () => {
    const { MALFORMED_DOCUMENTS } = await import("@/test/malformed-missions");
    expect(MALFORMED_DOCUMENTS.length).toBeGreaterThanOrEqual(50);
    const before = await counts(h);
    for (const c of MALFORMED_DOCUMENTS) {
      const err = await svc.importMission(h.database.db, c.document, null).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isAppError(err), `${c.name}: expected an AppError`).toBe(true);
      if (!isAppError(err)) continue;
      expect(err.status, c.name).toBeGreaterThanOrEqual(400);
      expect(err.status, c.name).toBeLessThan(500);
      const hit = err.problems.some((p) => (c.path === undefined || p.path.startsWith(c.path)) && c.message.test(p.message));
      expect(hit, `${c.name}: no problem matched ${c.path ?? ""} ${c.message} in ${JSON.stringify(err.problems)}`).toBe(true);
    }
    expect(await counts(h)).toEqual(before);
  });

  it("keeps the draft when a bad draft save is refused", async () => {
    const m = await svc.createMission(h.database.db, { name: "Draft keeper", template: "refund" }, null);
    const err = await svc.saveDraft(h.database.db, m.id, { format: "nope" }).catch((e: unknown) => e);
    expect(isAppError(err) && err.status).toBe(400);
    expect((await svc.getMission(h.database.db, m.id)).draft).toEqual(m.draft);
  });
});
