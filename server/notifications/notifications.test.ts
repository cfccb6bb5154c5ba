import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { openDecision, settleTimedOut, type OpenDecisionInput } from "@/server/decisions/lifecycle";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, type SeededMission } from "@/server/engine/testing/harness";
import { backoffMs, type DecisionPendingBody } from "./delivery";
import { createNotificationLoop } from "./loop";
import { Webhook } from "standardwebhooks";
import { encryptSecret } from "@/server/crypto/secrets";
import { signatureHeaders, standardSecret } from "./sign";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, setWebhookEnabled } from "./webhooks";

process.env.STEWARD_SECRET_KEY ??= "d".repeat(64);

interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

/** A real HTTP receiver on a free local port that answers each request with the next status in `plan` (then the last one). */
async function receiver(plan: number[]) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ body, headers: req.headers, at: Date.now() });
      res.statusCode = plan[Math.min(got.length - 1, plan.length - 1)] ?? 200;
      res.end(res.statusCode < 300 ? "ok" : "nope");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Node's headers as a Standard Webhooks library takes them. */
function asHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
}

const graph = mission("notify", [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })], edges("start->review", "review:approved->done"));

describe.each(testDatabases())("decision notifications on $name", (tdb) => {
  let database: Database;
  let seeded: SeededMission;
  const admin = { id: null, label: "test admin" };

  beforeAll(async () => {
    database = await tdb.open();
    seeded = await seedMission(database, graph);
  });
  afterAll(() => database?.close());

  async function openOne(over: Partial<OpenDecisionInput> = {}) {
    const runId = crypto.randomUUID();
    await database.db.execute(
      sql`insert into run (id, mission_id, version_id, status, input, started_by) values (${runId}, ${seeded.missionId}, ${seeded.versionId}, 'waiting', ${JSON.stringify({ orderId: "1042" })}::jsonb, ${seeded.starter})`,
    );
    const r = await openDecision(database, {
      runId,
      nodeId: "review",
      key: "review",
      kind: "approval",
      title: "Refund for order",
      proposed: { amount: 42.5, currency: "EUR" },
      fields: [
        { name: "amount", label: "Amount", type: "number" },
        { name: "currency", label: "Currency", type: "string" },
      ],
      editable: ["amount"],
      approverRole: "approver",
      requiredApprovals: 1,
      separationOfDuties: false,
      reasonRequired: true,
      dueAt: new Date(Date.now() + 3_600_000),
      ...over,
    });
    return { runId, decisionId: r.decisionId };
  }

  async function clearWebhooks() {
    for (const w of await listWebhooks(database)) await deleteWebhook(database, w.id, admin);
  }

  it("retries a failing webhook with exponential backoff until it answers, every attempt signed", async () => {
    await clearWebhooks();
    const hook = await receiver([500, 503, 200]);
    try {
      const { secret, webhook } = await createWebhook(database, { role: "approver", url: hook.url, description: "ops channel" }, admin);
      expect(secret).toMatch(/^whsec_/);
      expect(webhook).toMatchObject({ role: "approver", url: hook.url, enabled: true, secretPrefix: secret.slice(0, 10) });
      const { runId, decisionId } = await openOne();
      const loop = createNotificationLoop(database, { intervalMs: 0, appUrl: "http://steward.test/", delivery: { baseDelayMs: 120, maxAttempts: 5 } });

      const first = await loop.tick();
      expect(first.queued).toBe(1);
      expect(first.sent).toMatchObject([{ ok: false, status: 500, attempts: 1, failed: false }]);
      // Not due again until the backoff has passed, and never queued twice.
      const early = await loop.tick();
      expect(early).toEqual({ queued: 0, sent: [] });

      const deadline = Date.now() + 10_000;
      while (hook.got.length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 40));
        await loop.tick();
      }
      await loop.stop();
      expect(hook.got).toHaveLength(3);
      // The waits double: ~120 ms, then ~240 ms.
      const gaps = [hook.got[1]!.at - hook.got[0]!.at, hook.got[2]!.at - hook.got[1]!.at];
      expect(gaps[0]).toBeGreaterThanOrEqual(110);
      expect(gaps[1]).toBeGreaterThanOrEqual(230);

      // A receiver verifies each attempt with a Standard Webhooks library and the secret it was shown.
      const receiverSide = new Webhook(secret);
      for (const [i, r] of hook.got.entries()) {
        expect(receiverSide.verify(r.body, asHeaders(r.headers))).toEqual(JSON.parse(r.body));
        expect(() => new Webhook(`whsec_${crypto.randomBytes(32).toString("base64")}`).verify(r.body, asHeaders(r.headers))).toThrow(/No matching signature/);
        expect(() => receiverSide.verify(`${r.body} `, asHeaders(r.headers))).toThrow(/No matching signature/);
        expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(Math.abs(Number(r.headers["webhook-timestamp"]) - r.at / 1000)).toBeLessThan(5);
        // A new secret gets only the standard headers.
        expect(r.headers["x-steward-signature"]).toBeUndefined();
        expect(r.headers["x-steward-event"]).toBe("decision.pending");
        expect(r.headers["x-steward-attempt"]).toBe(String(i + 1));
        expect(r.headers["content-type"]).toBe("application/json");
      }
      // The same delivery, byte for byte, each time.
      expect(new Set(hook.got.map((r) => r.headers["webhook-id"])).size).toBe(1);
      expect(new Set(hook.got.map((r) => r.body)).size).toBe(1);
      const body = JSON.parse(hook.got[0]!.body) as DecisionPendingBody;
      expect(body).toMatchObject({
        type: "decision.pending",
        decisionId,
        runId,
        mission: { id: seeded.missionId, name: "notify" },
        title: "Refund for order",
        summary: "Refund for order 1042: 42.50 EUR",
        proposed: { amount: 42.5, currency: "EUR" },
        approverRole: "approver",
        escalated: false,
        link: `http://steward.test/decisions/${decisionId}`,
      });

      const [delivery] = await listDeliveries(database);
      expect(delivery).toMatchObject({ decisionId, status: "delivered", attempts: 3, lastStatus: 200, lastError: null });
      expect(hook.got[0]!.headers["webhook-id"]).toBe(delivery!.id);
      expect((await listWebhooks(database))[0]).toMatchObject({ deliveries: { delivered: 1, pending: 0, failed: 0 }, lastDelivery: { status: "delivered", lastStatus: 200 } });
    } finally {
      await hook.close();
    }
  });

  it("gives up after the last attempt and records why", async () => {
    await clearWebhooks();
    const hook = await receiver([500]);
    try {
      await createWebhook(database, { role: "approver", url: hook.url }, admin);
      await openOne();
      const loop = createNotificationLoop(database, { intervalMs: 0, appUrl: "http://steward.test", delivery: { baseDelayMs: 20, maxAttempts: 3 } });
      const deadline = Date.now() + 10_000;
      let last: Awaited<ReturnType<typeof loop.tick>> | undefined;
      while (!last?.sent.some((s) => s.failed) && Date.now() < deadline) {
        last = await loop.tick();
        await new Promise((r) => setTimeout(r, 30));
      }
      await loop.stop();
      expect(hook.got).toHaveLength(3);
      const [d] = await listDeliveries(database);
      expect(d).toMatchObject({ status: "failed", attempts: 3, lastStatus: 500, lastError: "HTTP 500" });
    } finally {
      await hook.close();
    }
  });

  it("notifies only the decision's role, skips disabled webhooks, and notifies the new role on escalation", async () => {
    await clearWebhooks();
    const hook = await receiver([200]);
    try {
      const approverHook = await createWebhook(database, { role: "approver", url: `${hook.url}?r=approver` }, admin);
      const adminHook = await createWebhook(database, { role: "admin", url: `${hook.url}?r=admin` }, admin);
      const off = await createWebhook(database, { role: "approver", url: `${hook.url}?r=off` }, admin);
      await setWebhookEnabled(database, off.webhook.id, false, admin);
      const { decisionId } = await openOne();
      const loop = createNotificationLoop(database, { intervalMs: 0, appUrl: "http://steward.test" });
      await loop.tick();
      expect(hook.got.map((g) => (JSON.parse(g.body) as DecisionPendingBody).approverRole)).toEqual(["approver"]);

      await settleTimedOut(database, decisionId, { action: "escalate", to: "admin", dueAt: new Date(Date.now() + 60_000), after: "1h" });
      await loop.tick();
      await loop.stop();
      expect(hook.got).toHaveLength(2);
      const escalated = JSON.parse(hook.got[1]!.body) as DecisionPendingBody;
      expect(escalated).toMatchObject({ decisionId, approverRole: "admin", escalated: true });
      const deliveries = await listDeliveries(database);
      expect(deliveries.map((d) => d.webhookId).sort()).toEqual([adminHook.webhook.id, approverHook.webhook.id].sort());
      // Decided decisions are not announced.
      await database.db.execute(sql`update decision set status = 'rejected' where id = ${decisionId}`);
      const { decisionId: later } = await openOne();
      await database.db.execute(sql`update decision set status = 'cancelled' where id = ${later}`);
      const again = createNotificationLoop(database, { intervalMs: 0, appUrl: "http://steward.test" });
      expect((await again.tick()).queued).toBe(0);
      await again.stop();
    } finally {
      await hook.close();
    }
  });

  it("validates webhook settings, naming the field, and audits changes", async () => {
    await expect(createWebhook(database, { role: "approver", url: "ftp://example.com" }, admin)).rejects.toMatchObject({ code: "bad_request", problems: [{ path: "url" }] });
    await expect(createWebhook(database, { role: "nobody" as "approver", url: "https://example.com" }, admin)).rejects.toMatchObject({ problems: [{ path: "role" }] });
    await expect(setWebhookEnabled(database, "wh_missing", true, admin)).rejects.toMatchObject({ code: "not_found" });
    const { webhook } = await createWebhook(database, { role: "approver", url: "https://hooks.example.com/x" }, admin);
    await deleteWebhook(database, webhook.id, admin);
    const actions = await database.rows<{ action: string }>(sql`select action from audit_log where target_id = ${webhook.id} order by id`);
    expect(actions.map((a) => a.action)).toEqual(["notification_webhook.created", "notification_webhook.removed"]);
    // Stored encrypted, never as the secret itself.
    const { webhook: kept, secret } = await createWebhook(database, { role: "approver", url: "https://hooks.example.com/y" }, admin);
    const [stored] = await database.rows<{ secret: string }>(sql`select secret from notification_webhook where id = ${kept.id}`);
    expect(stored?.secret).toMatch(/^v1:/);
    expect(stored?.secret).not.toContain(secret.slice(6));
  });

  it("keeps a webhook created before Standard Webhooks working: the old header for its receiver, and the same secret's bytes for the library", async () => {
    await clearWebhooks();
    const hook = await receiver([200]);
    try {
      const { webhook } = await createWebhook(database, { role: "approver", url: hook.url }, admin);
      // What createWebhook stored before: 24 random bytes in URL-safe base64, with both of its extra characters.
      const legacy = `whsec_-_${crypto.randomBytes(24).toString("base64url").slice(2)}`;
      await database.db.execute(sql`update notification_webhook set secret = ${encryptSecret(legacy)} where id = ${webhook.id}`);
      await openOne();
      const loop = createNotificationLoop(database, { intervalMs: 0, appUrl: "http://steward.test" });
      await loop.tick();
      await loop.stop();
      expect(hook.got).toHaveLength(1);
      const [got] = hook.got;
      expect(got!.headers["x-steward-signature"]).toBe(`sha256=${crypto.createHmac("sha256", legacy).update(got!.body).digest("hex")}`);
      expect(got!.headers["x-steward-delivery"]).toBe(got!.headers["webhook-id"]);
      // The library cannot read the URL-safe alphabet; the same bytes in the standard one verify.
      expect(() => new Webhook(legacy)).toThrow();
      const converted = `whsec_${legacy.slice("whsec_".length).replaceAll("-", "+").replaceAll("_", "/")}`;
      expect(standardSecret(legacy)).toBe(converted);
      expect(new Webhook(converted).verify(got!.body, asHeaders(got!.headers))).toMatchObject({ type: "decision.pending" });
    } finally {
      await hook.close();
    }
  });

  it("backs off exponentially with a cap, and signs so that a replayed delivery is refused", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, { baseDelayMs: 1_000, maxDelayMs: 10_000 }))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000]);
    const secret = `whsec_${crypto.randomBytes(32).toString("base64")}`;
    const body = '{"a":1}';
    const fresh = signatureHeaders(secret, "dlv_1", body);
    expect(new Webhook(secret).verify(body, fresh)).toEqual({ a: 1 });
    // Captured and sent again ten minutes later: the signed timestamp gives it away.
    const old = signatureHeaders(secret, "dlv_1", body, new Date(Date.now() - 10 * 60_000));
    expect(() => new Webhook(secret).verify(body, old)).toThrow(/too old/);
    // Moving the timestamp forward breaks the signature.
    expect(() => new Webhook(secret).verify(body, { ...old, "webhook-timestamp": fresh["webhook-timestamp"]! })).toThrow(/No matching signature/);
  });
});
