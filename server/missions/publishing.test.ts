import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { isAppError } from "@/lib/errors";
import type { MissionGraph, MissionNode, NodeData, NodeKind, Role } from "@/lib/mission/schema";
import { refundMission } from "@/lib/mission/templates/refund";
import { createUser } from "@/server/auth/users";
import { startRun } from "@/server/runs/service";
import { RunError } from "@/server/runs/errors";
import * as svc from "./service";
import { findPortal } from "@/server/portal/portals";
import * as pub from "./publishing";

const noSend = async () => {};

function change<K extends NodeKind>(graph: MissionGraph, id: string, data: Partial<NodeData<K>>): MissionGraph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? ({ ...n, data: { ...n.data, ...data } } as MissionNode) : n)) };
}

/** A run's version number, as the runs table recorded it. */
async function runVersion(h: Harness, runId: string): Promise<number> {
  const [r] = await h.database.rows<{ number: number }>(sql`select v.number from run r join mission_version v on v.id = r.version_id where r.id = ${runId}`);
  return Number(r?.number);
}

async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

describe.each(testDatabases())("reviewed publishing on $name", (tdb) => {
  let h: Harness;
  const as = (role: Role) => ({ id: h.userId(role), roles: [role] });
  let otherBuilder: { id: string; roles: Role[] };
  let builderApprover: { id: string; roles: Role[] };

  beforeAll(async () => {
    h = await openHarness(tdb);
    const b2 = await createUser(h.database.db, { email: "b2@test.local", name: "Second builder", password: "correct-horse-battery", roles: ["builder"] });
    otherBuilder = { id: b2.id, roles: ["builder"] };
    const ba = await createUser(h.database.db, { email: "ba@test.local", name: "Builder approver", password: "correct-horse-battery", roles: ["builder", "approver"] });
    builderApprover = { id: ba.id, roles: ["builder", "approver"] };
  });
  afterAll(() => h.close());

  /** The refund mission imported by the builder and published by the approver: version 1 runs. */
  async function publishedRefund(name: string) {
    const m = await svc.importMission(h.database.db, { ...refundMission(), name }, h.userId("builder"));
    await pub.publishVersion(h.database.db, { missionId: m.id, number: 1, actor: as("approver") });
    return m;
  }

  it("a first version that governs something awaits review, and nothing runs until it is published", async () => {
    const m = await svc.importMission(h.database.db, { ...refundMission(), name: "Fresh" }, h.userId("builder"));
    const [v] = await svc.listVersions(h.database.db, m.id);
    expect(v?.review).toMatchObject({ status: "awaiting_review" });
    expect(v?.review?.changes.find((l) => l.startsWith('New Approval "Approve refund"'))).toMatch(
      /: who decides approver, approvals needed 1, separation of duties on, reason required to reject on, timeout 72h, on timeout reject; proposed value amount = reason\.amount \(editable\)/,
    );
    const err = await refusal(startRun(h.database, { missionId: m.id, input: { orderId: "1", email: "a@b.co", reason: "x" }, userId: h.userId("builder") }, { send: noSend }));
    expect(err.message).toBe('Mission "Fresh" has no published version: version 1 awaits review by an approver or admin');
  });

  it("a builder's version that lets builders approve awaits review; runs keep the published version until an approver publishes it", async () => {
    const m = await publishedRefund("Loosened");
    const loose = change<"approval">(refundMission(), "refund", { approverRole: "builder", separationOfDuties: false });
    const v2 = await svc.saveVersion(h.database.db, m.id, { graph: { ...loose, name: "Loosened" }, message: "let builders approve" }, h.userId("builder"));
    expect(v2.number).toBe(2);
    expect(v2.review).toMatchObject({ status: "awaiting_review", publishedVersion: 1 });
    expect(v2.review.changes).toEqual(['Approval "Approve refund": who decides approver → builder', 'Approval "Approve refund": separation of duties on → off']);

    const input = { orderId: "1042", email: "dana@example.com", reason: "broken" };
    const { runId } = await startRun(h.database, { missionId: m.id, input, userId: h.userId("builder") }, { send: noSend });
    expect(await runVersion(h, runId)).toBe(1);

    const byId = await refusal(startRun(h.database, { missionId: m.id, versionId: v2.id, input, userId: h.userId("builder") }, { send: noSend }));
    expect(byId).toBeInstanceOf(RunError);
    expect((byId as RunError).reason).toBe("invalid_version");
    expect(byId.problems[0]?.path).toBe("versionId");
    expect(byId.message).toMatch(/awaits review/);

    const own = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: as("builder") }));
    expect(own.code).toBe("forbidden");
    const otherB = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: otherBuilder }));
    expect(otherB.code).toBe("forbidden");
    expect(otherB.message).toMatch(/approver or admin/);

    const published = await pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: as("approver"), note: "Builders may approve small refunds" });
    expect(published).toMatchObject({ status: "published", publishedVersion: 2 });
    const after = await startRun(h.database, { missionId: m.id, input, userId: h.userId("builder") }, { send: noSend });
    expect(await runVersion(h, after.runId)).toBe(2);
    const byIdNow = await startRun(h.database, { missionId: m.id, versionId: v2.id, input, userId: h.userId("builder") }, { send: noSend });
    expect(await runVersion(h, byIdNow.runId)).toBe(2);
  });

  it("the public portal serves the published version, not a newer one awaiting review", async () => {
    const at = (slug: string) => ({ ...change<"trigger">(refundMission(), "trigger", { portal: { slug, title: "", intro: "" } }), name: "Portal" });
    const m = await svc.importMission(h.database.db, at("portal-one"), h.userId("builder"));
    await pub.publishVersion(h.database.db, { missionId: m.id, number: 1, actor: as("approver") });
    const v1 = (await svc.listVersions(h.database.db, m.id))[0];
    await svc.saveVersion(h.database.db, m.id, { graph: at("portal-two") }, h.userId("builder"));
    expect(await findPortal(h.database, "portal-one")).toMatchObject({ missionId: m.id, versionId: v1?.id });
    expect(await findPortal(h.database, "portal-two")).toBeNull();
    await pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: as("admin") });
    expect(await findPortal(h.database, "portal-one")).toBeNull();
    expect(await findPortal(h.database, "portal-two")).toMatchObject({ missionId: m.id });
  });

  it("an author who is also an approver cannot publish their own version", async () => {
    const m = await svc.importMission(h.database.db, { ...refundMission(), name: "Own" }, builderApprover.id);
    const err = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 1, actor: builderApprover }));
    expect(err.code).toBe("forbidden");
    expect(err.message).toMatch(/You saved it/);
    await pub.publishVersion(h.database.db, { missionId: m.id, number: 1, actor: as("admin") });
    expect((await svc.getMission(h.database.db, m.id)).publishedVersion).toBe(1);
  });

  it("a change to Worker instructions, labels or positions publishes on save", async () => {
    const m = await publishedRefund("Wording");
    let g = change<"worker">(refundMission(), "reason", { instructions: "Be kind and cite the clause." });
    g = change<"approval">(g, "refund", { label: "Approve the refund", title: "Refund?" });
    g = { ...g, name: "Wording", nodes: g.nodes.map((n) => ({ ...n, position: { x: n.position.x + 10, y: n.position.y } })) };
    const v2 = await svc.saveVersion(h.database.db, m.id, { graph: g }, h.userId("builder"));
    expect(v2.review).toMatchObject({ status: "published", publishedVersion: 2, changes: [] });
    const { runId } = await startRun(h.database, { missionId: m.id, input: { orderId: "1", email: "a@b.co", reason: "x" }, userId: h.userId("builder") }, { send: noSend });
    expect(await runVersion(h, runId)).toBe(2);
  });

  it("a mission that governs nothing publishes on save, whoever saved it", async () => {
    const m = await svc.createMission(h.database.db, { name: "Blank" }, h.userId("builder"));
    const graph: MissionGraph = {
      format: "steward.mission/v1",
      name: "Blank",
      description: "",
      nodes: [
        { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", channels: ["manual", "api"], fields: [] } },
        { id: "verdict", kind: "verdict", position: { x: 300, y: 0 }, data: { label: "Done", outcomes: ["done"], outcome: '"done"', summary: "" } },
      ],
      edges: [{ id: "e", source: "trigger", target: "verdict" }],
    };
    const v1 = await svc.saveVersion(h.database.db, m.id, { graph }, h.userId("builder"));
    expect(v1.review).toMatchObject({ status: "published", publishedVersion: 1 });
  });

  it("the published version's governance is computed from its graph, not taken from the stored hash", async () => {
    const m = await publishedRefund("Forged");
    const loose = { ...change<"approval">(refundMission(), "refund", { approverRole: "builder" }), name: "Forged" };
    // Someone with database access makes the published version's stored hash match the loosened graph.
    await h.database.db.execute(sql`update version_review set governance_hash = ${pub.governanceHash(loose)} where mission_id = ${m.id}`);
    const v2 = await svc.saveVersion(h.database.db, m.id, { graph: loose }, h.userId("builder"));
    expect(v2.review.status).toBe("awaiting_review");
  });

  it("a reviewer rejects with a reason; a rejected version cannot be published and runs keep the published one", async () => {
    const m = await publishedRefund("Rejected");
    const g = { ...change<"action">(refundMission(), "issue_refund", { tool: "commerce.refund_everything" }), name: "Rejected" };
    await svc.saveVersion(h.database.db, m.id, { graph: g }, h.userId("builder"));
    const noReason = await refusal(pub.rejectVersion(h.database.db, { missionId: m.id, number: 2, actor: as("approver"), note: "  " }));
    expect(noReason.problems[0]?.path).toBe("note");
    const byBuilder = await refusal(pub.rejectVersion(h.database.db, { missionId: m.id, number: 2, actor: otherBuilder, note: "no" }));
    expect(byBuilder.code).toBe("forbidden");
    const rejected = await pub.rejectVersion(h.database.db, { missionId: m.id, number: 2, actor: as("approver"), note: "That tool refunds every order" });
    expect(rejected).toMatchObject({ status: "rejected", publishedVersion: 1 });
    const again = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: as("admin") }));
    expect(again.code).toBe("conflict");
    expect(again.message).toMatch(/rejected/);
    expect((await svc.getMission(h.database.db, m.id)).publishedVersion).toBe(1);
  });

  it("a version once published can be published again by a builder (a rollback); an older awaiting one cannot be published", async () => {
    const m = await publishedRefund("Rollback");
    const v2graph = { ...change<"approval">(refundMission(), "refund", { requiredApprovals: 2 }), name: "Rollback" };
    await svc.saveVersion(h.database.db, m.id, { graph: v2graph }, h.userId("builder"));
    const v3graph = { ...change<"approval">(refundMission(), "refund", { requiredApprovals: 3 }), name: "Rollback" };
    await svc.saveVersion(h.database.db, m.id, { graph: v3graph }, h.userId("builder"));
    await pub.publishVersion(h.database.db, { missionId: m.id, number: 3, actor: as("approver") });
    const stale = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 2, actor: as("approver") }));
    expect(stale.code).toBe("conflict");
    expect(stale.message).toMatch(/older than the published version 3/);
    const back = await pub.publishVersion(h.database.db, { missionId: m.id, number: 1, actor: as("builder") });
    expect(back).toMatchObject({ publishedVersion: 1 });
    const viewer = await refusal(pub.publishVersion(h.database.db, { missionId: m.id, number: 3, actor: as("viewer") }));
    expect(viewer.code).toBe("forbidden");
  });

  it("records review requests, publications and rejections in the audit log with the changes", async () => {
    const m = await publishedRefund("Audited");
    const g = { ...change<"approval">(refundMission(), "refund", { approverRole: "builder" }), name: "Audited" };
    await svc.saveVersion(h.database.db, m.id, { graph: g }, h.userId("builder"));
    await pub.rejectVersion(h.database.db, { missionId: m.id, number: 2, actor: as("admin"), note: "No self-approval" });
    const rows = await h.database.rows<{ action: string; actor_id: string | null; data: Record<string, unknown> }>(
      sql`select action, actor_id, data from audit_log where target_id = ${m.id} and action like 'mission.%' order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual([
      "mission.imported",
      "mission.review_requested",
      "mission.version_published",
      "mission.version_saved",
      "mission.review_requested",
      "mission.version_rejected",
    ]);
    expect(rows[4]?.data).toMatchObject({ version: 2, changes: ['Approval "Approve refund": who decides approver → builder'] });
    expect(rows[5]).toMatchObject({ actor_id: h.userId("admin"), data: { version: 2, note: "No self-approval" } });
  });

  it("lists versions awaiting review for the Decisions inbox", async () => {
    const m = await publishedRefund("Inbox");
    const g = { ...change<"worker">(refundMission(), "reason", { tools: ["crm.delete_customer"] }), name: "Inbox" };
    await svc.saveVersion(h.database.db, m.id, { graph: g }, h.userId("builder"));
    const pending = await pub.listReviews(h.database.db);
    const mine = pending.find((r) => r.missionId === m.id);
    expect(mine).toMatchObject({ number: 2, missionName: "Inbox", publishedVersion: 1, requestedByEmail: "builder@test.local" });
    expect(mine?.changes).toContain('Worker "Propose a decision": new tool crm.delete_customer');
    expect((await svc.listMissions(h.database.db)).find((x) => x.id === m.id)).toMatchObject({ publishedVersion: 1, awaitingReview: 2 });
  });
});
