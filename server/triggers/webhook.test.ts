import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { EngineEvent } from "@/server/contracts/events";
import { seedMission, type SeededMission } from "@/server/engine/testing/harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { getRun } from "@/server/runs";
import { createHook, getHook, revokeHook, rotateHook } from "./hooks";
import { handleHookRequest } from "./inbound";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

/** A ticket mission taking webhooks: `ticket` mapped from a nested body, `priority` read as body.priority. */
function ticketMission() {
  return mission(
    "Ticket intake",
    [
      node.trigger("trigger", {
        channels: ["webhook", "manual"],
        fields: [
          { name: "ticket", label: "Ticket", type: "string" },
          { name: "priority", label: "Priority", type: "number" },
          { name: "note", label: "Note", type: "text", required: false },
        ],
        webhook: { mapping: { ticket: "body.data.id", note: 'body.data.title + " (" + body.source + ")"' } },
      }),
      node.verdict("verdict", { outcomes: ["done"], outcome: '"done"', summary: "trigger.ticket" }),
    ],
    edges("trigger->verdict"),
  );
}

describe.each(testDatabases())("inbound webhooks on $name", (tdb) => {
  let database: Database;
  let m: SeededMission;
  let hookId: string;
  let secret: string;
  const sent: EngineEvent[] = [];
  const send = async (events: EngineEvent | EngineEvent[]) => {
    sent.push(...[events].flat());
  };
  let address = 0;
  let message = 0;

  /** A request as a sender signs it; `sign` overrides what is signed or sent. */
  function signed(body: unknown, opts: { id?: string; at?: Date; secret?: string; signature?: string; hook?: string } = {}): Request {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    const id = opts.id ?? `msg_${++message}`;
    const at = opts.at ?? new Date();
    const signature = opts.signature ?? new Webhook(opts.secret ?? secret).sign(id, at, payload);
    return new Request(`http://localhost/api/v1/hooks/${opts.hook ?? hookId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signature,
        // Each request from its own address: the rate limit is tested on its own.
        "x-steward-peer-address": `198.51.100.${++address % 250}`,
      },
      body: payload,
    });
  }
  const post = (req: Request, hook = hookId) => handleHookRequest(req, hook, { database, send, trustProxy: false });
  const runCount = async () => Number((await database.rows<{ n: number }>(sql`select count(*)::int as n from run where mission_id = ${m.missionId}`))[0]?.n);
  const good = { source: "helpdesk", priority: "2", data: { id: "T-1001", title: "Printer on fire" } };

  beforeAll(async () => {
    database = await tdb.open();
    m = await seedMission(database, ticketMission());
    // Created by the starter, not the version's author: separation of duties bars the author anyway.
    const hook = await createHook(database, m.missionId, { id: m.starter });
    hookId = hook.id;
    secret = hook.secret;
  });
  afterAll(() => database?.close());

  it("creates one live hook per mission, its secret shown once and stored encrypted", async () => {
    expect(hookId).toMatch(/^hk_[A-Za-z0-9_-]{20}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const [row] = await database.rows<{ secret: string }>(sql`select secret from mission_hook where id = ${hookId}`);
    expect(row?.secret.startsWith("v1:")).toBe(true);
    expect(row?.secret).not.toContain(secret.slice(6, 20));
    expect(await getHook(database, m.missionId)).not.toHaveProperty("secret");
    await expect(createHook(database, m.missionId, { id: m.author })).rejects.toMatchObject({ code: "conflict" });
    const audit = await database.rows<{ action: string }>(sql`select action from audit_log where target_id = ${m.missionId} and action like 'hook.%'`);
    expect(audit.map((a) => a.action)).toEqual(["hook.created"]);
  });

  it("starts one run of the published version for a signed request: 202 with the run id, the body mapped to the fields", async () => {
    const before = await runCount();
    const res = await post(signed(good));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; status: string };
    expect(body.status).toBe("queued");
    expect(await runCount()).toBe(before + 1);
    const run = await getRun(database, body.runId);
    // Started for the person holding the secret: a decision's requester is the run's starter
    // (decisions/lifecycle.ts), so separation of duties bars them from approving what they sent.
    expect(run).toMatchObject({ channel: "webhook", versionId: m.versionId, startedBy: m.starter, startedVia: `webhook ${hookId}` });
    expect(run.input).toEqual({ ticket: "T-1001", priority: 2, note: "Printer on fire (helpdesk)" });
    expect(sent.some((e) => e.id === body.runId)).toBe(true);
    const [audit] = await database.rows<{ actor_label: string; data: { channel: string; via: string } }>(
      sql`select actor_label, data from audit_log where run_id = ${body.runId} and action = 'run.started'`,
    );
    expect(audit).toMatchObject({ actor_label: `webhook ${hookId}`, data: { channel: "webhook", via: `webhook ${hookId}` } });
  });

  it("refuses a wrong signature, a replayed id and a stale or future timestamp, starting nothing and counting each", async () => {
    const before = await runCount();
    const [{ refused: refusedBefore } = { refused: 0 }] = await database.rows<{ refused: number }>(sql`select refused from mission_hook where id = ${hookId}`);

    const wrongSecret = await post(signed(good, { secret: `whsec_${Buffer.from("not the secret at all, 32 bytes!").toString("base64")}` }));
    expect(wrongSecret.status).toBe(401);
    expect(((await wrongSecret.json()) as { error: { message: string } }).error.message).toMatch(/No matching signature/);

    const tampered = signed(good, { id: "msg_tampered" });
    const forged = new Request(tampered.url, { method: "POST", headers: tampered.headers, body: JSON.stringify({ ...good, priority: 1 }) });
    expect((await post(forged)).status).toBe(401);

    const unsigned = new Request(`http://localhost/api/v1/hooks/${hookId}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(good) });
    expect((await post(unsigned)).status).toBe(401);

    const first = await post(signed(good, { id: "msg_once" }));
    expect(first.status).toBe(202);
    const replay = await post(signed(good, { id: "msg_once" }));
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: { problems: unknown[] } }).error.problems).toEqual([{ path: "webhook-id", message: "was already received" }]);

    const stale = await post(signed(good, { at: new Date(Date.now() - 6 * 60_000) }));
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/timestamp too old/);
    expect((await post(signed(good, { at: new Date(Date.now() + 6 * 60_000) }))).status).toBe(401);

    // Only the first of "msg_once" started a run.
    expect(await runCount()).toBe(before + 1);
    const [{ refused } = { refused: 0 }] = await database.rows<{ refused: number }>(sql`select refused from mission_hook where id = ${hookId}`);
    expect(refused - refusedBefore).toBe(6);
    expect((await getHook(database, m.missionId))?.lastRefusal).toMatch(/^401: /);
  });

  it("answers 400 naming each field a body does not map to, and starts nothing", async () => {
    const before = await runCount();
    const res = await post(signed({ source: "x", priority: "high", data: { title: "No id" } }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; problems: { path: string; message: string }[] } };
    expect(error.problems.map((p) => p.path).sort()).toEqual(["input.priority", "input.ticket"]);
    expect(error.problems.find((p) => p.path === "input.ticket")?.message).toMatch(/its mapping body\.data\.id failed/);
    expect(error.problems.find((p) => p.path === "input.priority")?.message).toBe("must be a number");
    expect(error.message).toMatch(/input\.ticket/);

    expect((await post(signed("not json"))).status).toBe(400);
    expect((await post(signed([1, 2]))).status).toBe(400);
    expect(await runCount()).toBe(before);
  });

  it("refuses a body over 64 KB before reading it, and an unknown hook", async () => {
    const before = await runCount();
    const big = await post(signed({ ...good, pad: "x".repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect((await post(signed(good, { hook: "hk_nope" }), "hk_nope")).status).toBe(404);
    expect(await runCount()).toBe(before);
  });

  it("limits requests per hook and address", async () => {
    const rule = { limit: 2, windowMs: 60_000 };
    const from = (req: Request) => {
      req.headers.set("x-steward-peer-address", "203.0.113.9");
      return handleHookRequest(req, hookId, { database, send, trustProxy: false, rule });
    };
    expect((await from(signed(good))).status).toBe(202);
    expect((await from(signed(good, { signature: "v1,bad" }))).status).toBe(401);
    const limited = await from(signed(good));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("a rotated secret refuses the old one; a revoked hook and an archived mission start nothing", async () => {
    // Rotated by someone else: they hold the secret now, and the runs it starts are theirs.
    const rotator = m.approvers[0]!;
    const rotated = await rotateHook(database, m.missionId, hookId, { id: rotator });
    expect(rotated.id).toBe(hookId);
    expect(rotated.secret).not.toBe(secret);
    const before = await runCount();
    expect((await post(signed(good))).status).toBe(401);
    const afterRotation = await post(signed(good, { secret: rotated.secret }));
    expect(afterRotation.status).toBe(202);
    const { runId: rotatedRun } = (await afterRotation.json()) as { runId: string };
    expect((await getRun(database, rotatedRun)).startedBy).toBe(rotator);
    secret = rotated.secret;

    await database.db.execute(sql`update mission set archived_at = now() where id = ${m.missionId}`);
    const archived = await post(signed(good));
    expect(archived.status).toBe(409);
    await database.db.execute(sql`update mission set archived_at = null where id = ${m.missionId}`);

    await revokeHook(database, m.missionId, hookId, { id: m.author });
    expect((await post(signed(good))).status).toBe(404);
    expect(await getHook(database, m.missionId)).toBeNull();
    expect(await runCount()).toBe(before + 1);
    const audit = await database.rows<{ action: string }>(sql`select action from audit_log where target_id = ${m.missionId} and action like 'hook.%' order by id`);
    expect(audit.map((a) => a.action)).toEqual(["hook.created", "hook.rotated", "hook.revoked"]);
  });

  it("a published version without the webhook channel takes none", async () => {
    const g = ticketMission();
    const t = g.nodes[0];
    if (t?.kind === "trigger") t.data.channels = ["manual"];
    const other = await seedMission(database, g);
    const hook = await createHook(database, other.missionId, { id: other.author });
    const res = await post(signed(good, { hook: hook.id, secret: hook.secret }), hook.id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/does not take webhooks/);
  });
});
