import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { isAppError, type AppError } from "@/lib/errors";
import { getTemplate } from "@/lib/mission/templates";
import { DRAFT_MAX_TEXT, MAX_DRAFT_BYTES, type MissionGraph } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import { missionVersion } from "@/server/db/schema";
import * as svc from "./service";

function refund(): MissionGraph {
  const t = getTemplate("refund");
  if (!t) throw new Error("refund template missing");
  return t.graph();
}

async function refused(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

/**
 * The refund mission with the edits of a session, one of which a version refuses: the outcome
 * `auto-approved` (not an identifier). Everything else is an ordinary edit that must survive.
 */
function draftWithOneBadValue(): { graph: MissionGraph; verdictIndex: number } {
  const g = refund();
  const verdictIndex = g.nodes.findIndex((n) => n.kind === "verdict");
  const v = g.nodes[verdictIndex];
  if (v?.kind !== "verdict") throw new Error("no verdict");
  v.data.outcomes = ["auto-approved", "partial", "deny"];
  v.data.summary = '"Edited in the session"';
  const reason = g.nodes.find((n) => n.id === "reason");
  if (reason?.kind === "worker") reason.data.instructions += "\nBe brief.";
  g.nodes[0]!.position = { x: 40, y: 200 };
  g.description = "Edited description";
  return { graph: g, verdictIndex };
}

describe.each(testDatabases())("drafts on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  it("saves a draft whose values a version would refuse, and gives back every edit", async () => {
    const m = await svc.createMission(h.database.db, { name: "Draft with a bad outcome", template: "refund" }, null);
    const { graph, verdictIndex } = draftWithOneBadValue();
    const saved = await svc.saveDraft(h.database.db, m.id, graph);
    expect(saved.draftUpdatedAt).toMatch(/^\d{4}-/);
    // A reload reads the draft back: every edit is there, the bad value too.
    const reloaded = (await svc.getMission(h.database.db, m.id)).draft;
    expect(reloaded).toEqual(graph);
    // The strict rules still see it, and say where (the editor shows this in Problems).
    const { problems } = validateMission(reloaded);
    expect(problems).toContainEqual(expect.objectContaining({ path: `nodes[${verdictIndex}].data.outcomes[0]`, message: expect.stringMatching(/identifier/) }));
  });

  it("keeps other values a version refuses: patterns, lengths, counts and ranges", async () => {
    const m = await svc.createMission(h.database.db, { name: "Half-typed values" }, null);
    const g = refund();
    g.name = "Half-typed values";
    for (const n of g.nodes) {
      if (n.kind === "trigger") {
        n.data.fields[0]!.name = "Order number";
        n.data.channels = [];
        n.data.portal = { slug: "Refunds Desk", title: "", intro: "" };
      }
      if (n.kind === "approval") {
        n.data.timeout = "3 days";
        n.data.requiredApprovals = 0;
      }
      if (n.kind === "action" && n.id === "crm_note") n.data.tool = "crm add note";
      if (n.kind === "worker" && n.id === "ground") n.data.label = "x".repeat(500);
    }
    g.nodes[1]!.id = "ground-2";
    await svc.saveDraft(h.database.db, m.id, g);
    expect((await svc.getMission(h.database.db, m.id)).draft).toEqual(g);
  });

  it("refuses to save such a draft as a version, naming the value, and saves nothing", async () => {
    const m = await svc.createMission(h.database.db, { name: "Version guard", template: "refund" }, null);
    const { graph, verdictIndex } = draftWithOneBadValue();
    await svc.saveDraft(h.database.db, m.id, graph);
    const [before] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from ${missionVersion} where mission_id = ${m.id}`);

    const fromDraft = await refused(svc.saveVersion(h.database.db, m.id, { message: "v1" }, h.userId("builder")));
    expect(fromDraft.status).toBe(400);
    expect(fromDraft.problems).toContainEqual(expect.objectContaining({ path: `draft.nodes[${verdictIndex}].data.outcomes[0]` }));
    expect(fromDraft.message).toContain(`nodes[${verdictIndex}].data.outcomes[0]`);

    const given = await refused(svc.saveVersion(h.database.db, m.id, { graph, message: "v1" }, h.userId("builder")));
    expect(given.status).toBe(400);
    expect(given.problems).toContainEqual(expect.objectContaining({ path: `graph.nodes[${verdictIndex}].data.outcomes[0]` }));

    const [after] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from ${missionVersion} where mission_id = ${m.id}`);
    expect(after?.n).toBe(before?.n);
    expect((await svc.getMission(h.database.db, m.id)).draft).toEqual(graph);
  });

  it("still refuses what is not a mission's shape, too large or too long, and keeps the saved draft", async () => {
    const m = await svc.createMission(h.database.db, { name: "Bounded drafts", template: "refund" }, null);
    const kept = (await svc.getMission(h.database.db, m.id)).draft;

    const notAGraph = await refused(svc.saveDraft(h.database.db, m.id, { ...refund(), nodes: "none" }));
    expect(notAGraph.status).toBe(400);
    expect(notAGraph.problems[0]?.path).toBe("graph.nodes");

    const unknownKind = refund();
    (unknownKind.nodes[1] as { kind: string }).kind = "webhook";
    expect((await refused(svc.saveDraft(h.database.db, m.id, unknownKind))).problems[0]?.path).toMatch(/^graph\.nodes\[1\]/);

    const wrongType = refund();
    (wrongType.nodes[1]!.data as { label: unknown }).label = 42;
    expect((await refused(svc.saveDraft(h.database.db, m.id, wrongType))).problems[0]?.path).toBe("graph.nodes[1].data.label");

    const longText = refund();
    const worker = longText.nodes.find((n) => n.kind === "worker");
    if (worker?.kind === "worker") worker.data.instructions = "x".repeat(DRAFT_MAX_TEXT + 1);
    const tooLong = await refused(svc.saveDraft(h.database.db, m.id, longText));
    expect(tooLong.status).toBe(400);
    expect(tooLong.problems[0]?.path).toMatch(/^graph\.nodes\[\d+\]\.data\.instructions$/);

    const huge = refund();
    // Each string within the draft limit, together over the size limit.
    for (let i = 0; i < 25; i++) huge.nodes.push({ id: `note_${i}`, kind: "verdict", position: { x: i, y: 0 }, data: { label: "l".repeat(90_000), outcomes: ["ok"], outcome: "", summary: "" } });
    expect(JSON.stringify(huge).length).toBeGreaterThan(MAX_DRAFT_BYTES);
    const tooLarge = await refused(svc.saveDraft(h.database.db, m.id, huge));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.problems[0]).toMatchObject({ path: "graph", message: expect.stringMatching(/too large/) });

    expect((await svc.getMission(h.database.db, m.id)).draft).toEqual(kept);
  });

  it("keeps the mission's name sound: a draft without one is refused", async () => {
    const m = await svc.createMission(h.database.db, { name: "Named", template: "refund" }, null);
    const err = await refused(svc.saveDraft(h.database.db, m.id, { ...refund(), name: "   " }));
    expect(err.problems[0]?.path).toBe("graph.name");
    expect((await svc.getMission(h.database.db, m.id)).name).toBe("Named");
  });
});
