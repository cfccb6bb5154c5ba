import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { EngineEvent } from "@/server/contracts/events";
import { seedMission } from "@/server/engine/testing/harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { getRun } from "@/server/runs";
import { findPortal, listPortals } from "./portals";
import { getPortalStatus } from "./status";
import { submitPortalRequest } from "./submit";
import { hashStatusToken, newStatusToken } from "./tokens";
import { refundPortal } from "./testing";

const good = { orderId: "1042", email: "dana@example.com", reason: "The jacket arrived too small; I opened it to try it on." };

describe.each(testDatabases())("portal submissions on $name", (tdb) => {
  let database: Database;
  const sent: EngineEvent[] = [];
  const send = async (events: EngineEvent | EngineEvent[]) => {
    sent.push(...[events].flat());
  };
  const counts = async () => {
    const [r] = await database.rows<{ runs: number; subs: number }>(
      sql`select (select count(*)::int from run) as runs, (select count(*)::int from portal_submission) as subs`,
    );
    return { runs: Number(r?.runs), subs: Number(r?.subs) };
  };
  let address = 0;
  const submit = (slug: string, values: unknown) => submitPortalRequest(database, { slug, values, clientAddress: `192.0.2.${++address}` }, { send });

  beforeAll(async () => {
    database = await tdb.open();
    await seedMission(database, refundPortal("refunds"));
  });
  afterAll(() => database?.close());

  it("finds the portal of the latest saved version of a live mission", async () => {
    const portal = await findPortal(database, "refunds");
    expect(portal).toMatchObject({ slug: "refunds", title: "Request a refund", intro: expect.stringContaining("Tell us which order") });
    expect(portal?.fields.map((f) => [f.name, f.type, f.required, f.maxLength])).toEqual([
      ["orderId", "string", true, undefined],
      ["email", "email", true, undefined],
      ["reason", "text", true, 2000],
    ]);
    expect(await findPortal(database, "nope")).toBeNull();
    expect(await findPortal(database, "../etc")).toBeNull();

    // Archived missions and triggers without the portal channel offer nothing.
    const archived = await seedMission(database, refundPortal("old-refunds"));
    await database.db.execute(sql`update mission set archived_at = now() where id = ${archived.missionId}`);
    expect(await findPortal(database, "old-refunds")).toBeNull();
    const apiOnly = refundPortal("api-only");
    const t = apiOnly.nodes[0];
    if (t?.kind === "trigger") t.data.channels = ["api"];
    await seedMission(database, apiOnly);
    expect(await findPortal(database, "api-only")).toBeNull();

    // A newer version without the portal takes it offline; the draft does not count.
    const moved = await seedMission(database, refundPortal("moving"));
    expect(await findPortal(database, "moving")).not.toBeNull();
    const v2 = refundPortal("moved-elsewhere");
    await database.db.execute(
      sql`insert into mission_version (id, mission_id, number, graph, content_hash) values (${`${moved.versionId}-2`}, ${moved.missionId}, 2, ${JSON.stringify(v2)}::jsonb, 'x2')`,
    );
    await database.db.execute(sql`update mission set latest_version = 2, published_version = 2, draft = ${JSON.stringify(refundPortal("draft-only"))}::jsonb where id = ${moved.missionId}`);
    expect(await findPortal(database, "moving")).toBeNull();
    expect(await findPortal(database, "moved-elsewhere")).toMatchObject({ missionId: moved.missionId, versionId: `${moved.versionId}-2` });
    expect(await findPortal(database, "draft-only")).toBeNull();
    expect((await listPortals(database)).map((p) => p.slug)).toEqual(["moved-elsewhere", "refunds"]);
  });

  it("refuses bad input field by field, in the customer's words, and starts nothing", async () => {
    const before = await counts();
    const missing = await submit("refunds", {});
    expect(missing).toEqual({
      ok: false,
      reason: "invalid",
      problems: [
        { field: "orderId", message: "Order number is required." },
        { field: "email", message: "Email is required." },
        { field: "reason", message: "Reason is required." },
      ],
    });
    const bad = await submit("refunds", { orderId: "1042", email: "dana-at-example", reason: "x".repeat(2001) });
    expect(bad).toEqual({
      ok: false,
      reason: "invalid",
      problems: [
        { field: "email", message: "Enter an email address like name@example.com." },
        { field: "reason", message: "Reason must be at most 2,000 characters (now 2,001)." },
      ],
    });
    const types = await submit("refunds", { orderId: 1042, email: ["a"], reason: { x: 1 } });
    expect(types).toMatchObject({ ok: false, reason: "invalid" });
    expect((types as { problems: { field: string }[] }).problems.map((p) => p.field)).toEqual(["orderId", "email", "reason"]);
    const extra = await submit("refunds", { ...good, isAdmin: "true" });
    expect(extra).toEqual({ ok: false, reason: "invalid", problems: [{ field: "isAdmin", message: "This form has no field called isAdmin." }] });
    expect(await submit("nope", good)).toEqual({ ok: false, reason: "not_found" });
    expect(await submit("refunds", "orderId=1042")).toMatchObject({ ok: false, reason: "invalid" });
    expect(await counts()).toEqual(before);
  });

  it("starts a portal run with no user, and keeps only the hash of the status token", async () => {
    const before = await counts();
    const res = await submit("refunds", { ...good, email: "  dana@example.com " });
    if (!res.ok) throw new Error(`expected success, got ${res.reason}`);
    expect(res.statusPath).toBe(`/p/refunds/status/${res.token}`);
    expect(res.reference).toMatch(/^[0-9A-F]{8}$/);
    expect(await counts()).toEqual({ runs: before.runs + 1, subs: before.subs + 1 });
    const run = await getRun(database, res.runId);
    expect(run).toMatchObject({ channel: "portal", startedBy: null, status: "queued", input: { ...good, email: "dana@example.com" } });
    expect(sent.at(-1)).toMatchObject({ name: "mission/run.requested", id: res.runId });

    const [row] = await database.rows<Record<string, unknown>>(sql`select * from portal_submission where run_id = ${res.runId}`);
    expect(row?.token_hash).toBe(hashStatusToken(res.token));
    expect(JSON.stringify(row)).not.toContain(res.token);
    const [audit] = await database.rows<{ actor_label: string; run_id: string; data: unknown }>(
      sql`select actor_label, run_id, data from audit_log where action = 'portal.request_received' and run_id = ${res.runId}`,
    );
    expect(audit).toMatchObject({ actor_label: "portal /p/refunds", data: { slug: "refunds", reference: res.reference } });

    const status = await getPortalStatus(database, "refunds", res.token);
    expect(status).toMatchObject({ reference: res.reference, title: "Request a refund", stage: "received", headline: "We've received your request", live: true });
    expect(status?.steps.map((s) => s.state)).toEqual(["current", "upcoming", "upcoming"]);
  });

  it("shows a status only to its token, and only on its own portal", async () => {
    const a = await submit("refunds", good);
    const b = await submit("refunds", { ...good, orderId: "2001", email: "lee@example.com" });
    if (!a.ok || !b.ok) throw new Error("expected two submissions");
    expect(a.token).not.toBe(b.token);
    expect((await getPortalStatus(database, "refunds", a.token))?.reference).toBe(a.reference);
    expect((await getPortalStatus(database, "refunds", b.token))?.reference).toBe(b.reference);
    expect(await getPortalStatus(database, "moved-elsewhere", a.token)).toBeNull();
    expect(await getPortalStatus(database, "refunds", newStatusToken())).toBeNull();
    expect(await getPortalStatus(database, "refunds", `${a.token.slice(0, -1)}${a.token.endsWith("A") ? "B" : "A"}`)).toBeNull();
    expect(await getPortalStatus(database, "refunds", hashStatusToken(a.token))).toBeNull();
    expect(await getPortalStatus(database, "refunds", "' or 1=1 --")).toBeNull();
  });

  it("refuses a mission whose version cannot run without starting anything", async () => {
    const broken = mission(
      "broken",
      [node.trigger("start", { channels: ["portal"], portal: { slug: "broken", title: "Broken" }, fields: [{ name: "q", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "nonsense(" })],
      edges("start->done"),
    );
    await seedMission(database, broken);
    const before = await counts();
    expect(await submit("broken", { q: "hello" })).toEqual({ ok: false, reason: "unavailable" });
    expect(await counts()).toEqual(before);
  });

  it("rate-limits one client address", async () => {
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await submitPortalRequest(database, { slug: "refunds", values: good, clientAddress: "198.51.100.50" }, { send }));
    expect(results.slice(0, 10).every((r) => r.ok)).toBe(true);
    expect(results[10]).toMatchObject({ ok: false, reason: "rate_limited", retryAfterSeconds: expect.any(Number) });
    // Every attempt counts, bad input too (issue #18, finding 10): probing the form is limited.
    expect(await submitPortalRequest(database, { slug: "refunds", values: {}, clientAddress: "198.51.100.50" }, { send })).toMatchObject({ reason: "rate_limited" });
    expect(await submitPortalRequest(database, { slug: "refunds", values: {}, clientAddress: "198.51.100.51" }, { send })).toMatchObject({ reason: "invalid" });
  });
});
