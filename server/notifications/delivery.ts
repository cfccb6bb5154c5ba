import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { backoffMs as backoff } from "@/lib/backoff";
import { describeProposal } from "@/lib/decisions/describe";
import { decryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import type { DecisionKind } from "@/server/db/schema";
import { signatureHeaders } from "./sign";

export const DECISION_PENDING = "decision.pending";

/** The JSON a webhook receives for a decision waiting for its role. */
export interface DecisionPendingBody {
  type: typeof DECISION_PENDING;
  decisionId: string;
  runId: string;
  mission: { id: string; name: string };
  title: string;
  /** What is proposed, in plain words ("issue_refund 42.50 EUR for order 1042"). */
  summary: string;
  proposed: Record<string, unknown>;
  kind: DecisionKind;
  approverRole: string;
  /** True when a timeout handed the decision to this role. */
  escalated: boolean;
  dueAt: string | null;
  createdAt: string;
  /** Where an approver decides it. */
  link: string;
}

export interface DeliveryOptions {
  /** Attempts before a delivery is given up as failed. */
  maxAttempts: number;
  /** Wait before the first retry; each further retry waits twice as long. */
  baseDelayMs: number;
  /** Cap on one wait. */
  maxDelayMs: number;
  /** How long one POST may take. */
  timeoutMs: number;
  /** Deliveries claimed per tick. */
  batch: number;
  fetch: typeof fetch;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 5,
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
  timeoutMs: 10_000,
  batch: 10,
  fetch: (...args) => fetch(...args),
};

/** The wait after the n-th failed attempt (n ≥ 1): base, 2·base, 4·base… capped. */
export function backoffMs(failedAttempts: number, opts: Pick<DeliveryOptions, "baseDelayMs" | "maxDelayMs"> = DEFAULT_DELIVERY): number {
  return backoff(failedAttempts, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs });
}

interface PendingRow {
  id: string;
  run_id: string;
  kind: DecisionKind;
  title: string;
  proposed: Record<string, unknown>;
  approver_role: string;
  due_at: string | null;
  created_at: string;
  input: Record<string, unknown>;
  mission_id: string;
  mission_name: string;
  webhook_id: string;
  escalated: boolean;
}

/**
 * Queues one `decision.pending` delivery per enabled webhook of the role each pending decision is
 * assigned to. Derived from the decision table, so nothing in the engine has to remember to notify;
 * the (webhook, decision, role) key makes it once per role, and an escalation (a new role) notifies
 * that role's webhooks. Decisions opened before a webhook existed are not sent to it.
 */
export async function enqueueDecisionNotifications(database: Database, appUrl: string): Promise<number> {
  const rows = await database.rows<PendingRow>(sql`
    select d.id, d.run_id, d.kind, d.title, d.proposed, d.approver_role, d.due_at::text as due_at, d.created_at::text as created_at,
           r.input, m.id as mission_id, m.name as mission_name, w.id as webhook_id,
           exists (select 1 from observation o where o.run_id = d.run_id and o.kind = 'decision'
                   and o.data->>'decisionId' = d.id and o.data->>'event' = 'timeout:escalate') as escalated
    from decision d
    join run r on r.id = d.run_id
    join mission m on m.id = r.mission_id
    join notification_webhook w on w.enabled and w.role = d.approver_role and w.created_at <= d.created_at
    where d.status = 'pending'
      and not exists (select 1 from notification_delivery x where x.webhook_id = w.id and x.decision_id = d.id and x.role = d.approver_role)
    order by d.created_at
    limit 200`);
  const base = appUrl.replace(/\/+$/, "");
  let queued = 0;
  for (const r of rows) {
    const body: DecisionPendingBody = {
      type: DECISION_PENDING,
      decisionId: r.id,
      runId: r.run_id,
      mission: { id: r.mission_id, name: r.mission_name },
      title: r.title,
      summary: describeProposal({ kind: r.kind, title: r.title, proposed: r.proposed, runInput: r.input }),
      proposed: r.proposed,
      kind: r.kind,
      approverRole: r.approver_role,
      escalated: Boolean(r.escalated),
      dueAt: r.due_at ? new Date(r.due_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
      link: `${base}/decisions/${encodeURIComponent(r.id)}`,
    };
    const inserted = await database.rows(
      sql`insert into notification_delivery (id, webhook_id, decision_id, role, type, body)
          values (${`dlv_${crypto.randomUUID()}`}, ${r.webhook_id}, ${r.id}, ${r.approver_role}, ${DECISION_PENDING}, ${JSON.stringify(body)}::jsonb)
          on conflict (webhook_id, decision_id, role) do nothing returning 1`,
    );
    queued += inserted.length;
  }
  return queued;
}

interface ClaimedRow {
  id: string;
  type: string;
  body: Record<string, unknown>;
  attempts: number;
  url: string;
  secret: string;
}

export interface DeliveryResult {
  id: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  attempts: number;
  /** Given up: out of attempts. */
  failed: boolean;
}

/**
 * Sends the deliveries that are due. Each is claimed first by pushing its next attempt past the
 * request timeout (a lease), so several app processes on one PostgreSQL never send one twice at
 * the same moment; if a process dies mid-send the lease runs out and it is sent again, which is
 * why receivers should dedupe on `webhook-id`.
 */
export async function deliverDue(database: Database, partial: Partial<DeliveryOptions> = {}): Promise<DeliveryResult[]> {
  const opts = { ...DEFAULT_DELIVERY, ...partial };
  const leaseMs = opts.timeoutMs * 3 + 5_000;
  const claimed = await database.rows<ClaimedRow>(sql`
    with due as (
      select id from notification_delivery
      where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at, id
      limit ${opts.batch}
      for update skip locked
    )
    update notification_delivery x set next_attempt_at = now() + ${leaseMs} * interval '1 millisecond'
    from due, notification_webhook w
    where x.id = due.id and w.id = x.webhook_id
    returning x.id, x.type, x.body, x.attempts, w.url, w.secret`);
  return Promise.all(claimed.map((row) => sendOne(database, row, opts)));
}

async function sendOne(database: Database, row: ClaimedRow, opts: DeliveryOptions): Promise<DeliveryResult> {
  const attempts = row.attempts + 1;
  const body = JSON.stringify(row.body);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const secret = decryptSecret(row.secret);
    const res = await opts.fetch(row.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Steward-Webhooks/1",
        "x-steward-event": row.type,
        "x-steward-attempt": String(attempts),
        ...signatureHeaders(secret, row.id, body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    status = res.status;
    // The body is not needed; reading it frees the connection.
    await res.text().catch(() => "");
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (e) {
    error = e instanceof Error ? (e.name === "TimeoutError" ? `no answer within ${opts.timeoutMs} ms` : e.message) : String(e);
  }
  const ok = error === null;
  const failed = !ok && attempts >= opts.maxAttempts;
  if (ok) {
    await database.db.execute(
      sql`update notification_delivery set status = 'delivered', attempts = ${attempts}, last_status = ${status}, last_error = null, delivered_at = now()
          where id = ${row.id}`,
    );
  } else {
    const wait = backoffMs(attempts, opts);
    await database.db.execute(
      sql`update notification_delivery set status = ${failed ? "failed" : "pending"}, attempts = ${attempts}, last_status = ${status},
            last_error = ${(error ?? "failed").slice(0, 500)}, next_attempt_at = now() + ${wait} * interval '1 millisecond'
          where id = ${row.id}`,
    );
  }
  return { id: row.id, ok, status, error, attempts, failed };
}
