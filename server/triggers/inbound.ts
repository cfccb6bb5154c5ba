import "server-only";
import { sql } from "drizzle-orm";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describeProblems, isAppError, type FieldProblem } from "@/lib/errors";
import type { MissionGraph } from "@/lib/mission/schema";
import { decryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { versionGraph } from "@/server/engine/plan";
import { clientAddress, trustProxy } from "@/server/portal/client-address";
import { rateKey, takeRateLimit, type RateRule } from "@/server/portal/rate-limit";
import { startRun, type RunServiceOptions } from "@/server/runs";
import { mapWebhookBody } from "./webhook-input";

/** As the portal's: a webhook body is a small JSON object of values, not a document store. */
export const MAX_HOOK_BODY_BYTES = 64 * 1024;
/** Standard Webhooks' tolerance (the library's): a timestamp further from now is refused. */
export const HOOK_TOLERANCE_SECONDS = 5 * 60;
/** Requests per hook and client address: a sender's retries fit, a flood does not. */
export const HOOK_RATE_RULE: RateRule = { limit: 120, windowMs: 60_000 };

export interface HookRequestDeps {
  database: Database;
  /** Default: STEWARD_TRUST_PROXY. */
  trustProxy?: boolean;
  rule?: RateRule;
  send?: RunServiceOptions["send"];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } });
}

const refusal = (status: number, code: string, message: string, problems: FieldProblem[] = []) => json(status, { error: { code, message, problems } });

interface HookTarget {
  mission_id: string;
  secret: string;
  archived: boolean;
  version_id: string | null;
  /** Who holds the secret (created the hook or last rotated it): the requester of the runs it starts. */
  holder: string | null;
}

/** Counts a refused request on the hook, for the builder to see in the editor. */
async function countRefusal(database: Database, hookId: string, why: string): Promise<void> {
  await database.db.execute(sql`update mission_hook set refused = refused + 1, last_refusal = ${why.slice(0, 300)}, last_refused_at = now() where id = ${hookId}`);
}

/**
 * POST /api/v1/hooks/{hookId}: a Standard Webhooks request starts one run of the mission's
 * published version. In order: the rate limit (429), the body's size (413), a live hook (404),
 * the signature and timestamp (401), the body as JSON mapped to the trigger's fields (400 naming
 * them), the message id not seen before (409), the run (202 with its id). Every refusal starts
 * nothing; those after the hook is known are counted on it.
 */
export async function handleHookRequest(req: Request, hookId: string, deps: HookRequestDeps): Promise<Response> {
  try {
    return await answerHookRequest(req, hookId, deps);
  } catch (e) {
    console.error(`[hooks] request to ${hookId.slice(0, 40)} failed:`, e);
    return refusal(500, "internal", "Something went wrong on our side: deliver the message again later");
  }
}

async function answerHookRequest(req: Request, hookId: string, deps: HookRequestDeps): Promise<Response> {
  const { database } = deps;
  const address = clientAddress(req.headers, { trustProxy: deps.trustProxy ?? trustProxy() });
  const limit = await takeRateLimit(database, rateKey("hook", `${hookId}\n${address}`), deps.rule ?? HOOK_RATE_RULE);
  if (!limit.allowed) {
    return json(429, { error: { code: "rate_limited", message: "Too many requests to this webhook from this address: try again later", problems: [] }, retryAfterSeconds: limit.retryAfterSeconds }, { "retry-after": String(limit.retryAfterSeconds) });
  }
  const tooLarge = () => refusal(413, "payload_too_large", `The body is larger than ${MAX_HOOK_BODY_BYTES / 1024} KB`);
  if (Number(req.headers.get("content-length") ?? 0) > MAX_HOOK_BODY_BYTES) return tooLarge();
  const payload = await req.text();
  if (Buffer.byteLength(payload) > MAX_HOOK_BODY_BYTES) return tooLarge();

  const [hook] = await database.rows<HookTarget>(
    sql`select h.mission_id, h.secret, m.archived_at is not null as archived, v.id as version_id, h.created_by as holder
        from mission_hook h join mission m on m.id = h.mission_id
        left join mission_version v on v.mission_id = m.id and v.number = m.published_version
        where h.id = ${hookId} and h.revoked_at is null`,
  );
  if (!hook) return refusal(404, "not_found", "No such webhook: it never existed or was revoked");

  const refuse = async (status: number, code: string, message: string, problems: FieldProblem[] = []) => {
    await countRefusal(database, hookId, `${status}: ${message}`);
    return refusal(status, code, message, problems);
  };

  const headers = { "webhook-id": req.headers.get("webhook-id") ?? "", "webhook-timestamp": req.headers.get("webhook-timestamp") ?? "", "webhook-signature": req.headers.get("webhook-signature") ?? "" };
  try {
    // Parsed below, where a body that is not JSON is a 400 rather than a failed verification.
    new Webhook(decryptSecret(hook.secret)).verify(payload, headers, { jsonParse: false });
  } catch (e) {
    const why = e instanceof WebhookVerificationError ? e.message : "The request could not be verified";
    return refuse(401, "unauthorized", `Webhook verification failed: ${why} (send webhook-id, webhook-timestamp and webhook-signature as Standard Webhooks describes)`);
  }
  const messageId = headers["webhook-id"];
  if (messageId.length > 200) return refuse(400, "bad_request", "webhook-id is longer than 200 characters", [{ path: "webhook-id", message: "must be at most 200 characters" }]);

  if (hook.archived) return refuse(409, "conflict", "The mission is archived: it starts no runs");
  if (!hook.version_id) return refuse(409, "conflict", "The mission has no published version yet");

  let body: unknown;
  try {
    body = payload ? JSON.parse(payload) : {};
  } catch {
    return refuse(400, "bad_request", "The body is not valid JSON", [{ path: "body", message: "must be a JSON object" }]);
  }
  const graph: MissionGraph = await versionGraph(database, hook.version_id);
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (!trigger || trigger.kind !== "trigger" || !trigger.data.channels.includes("webhook")) {
    return refuse(409, "conflict", "The mission's published version does not take webhooks: turn on the Webhook channel and publish it");
  }
  const mapped = mapWebhookBody(trigger.data, body);
  if (!mapped.ok) return refuse(400, "bad_request", `The body does not map to the trigger's fields: ${describeProblems(mapped.problems)}`, mapped.problems);

  // Claimed before the run starts, in one statement: of two deliveries of one message, one wins.
  const timestamp = Number(headers["webhook-timestamp"]);
  const [claimed] = await database.rows<{ ok: number }>(
    sql`insert into hook_message (hook_id, message_id, expires_at)
        values (${hookId}, ${messageId}, to_timestamp(${timestamp + 2 * HOOK_TOLERANCE_SECONDS}))
        on conflict (hook_id, message_id) do nothing returning 1 as ok`,
  );
  if (!claimed) return refuse(409, "conflict", `Message ${messageId} was already received: a replay starts nothing`, [{ path: "webhook-id", message: "was already received" }]);
  // Ids past the tolerance window can no longer be replayed (their timestamp is refused): forget them.
  if (Math.random() < 0.05) await database.db.execute(sql`delete from hook_message where expires_at < now()`);

  try {
    const { runId } = await startRun(
      database,
      // Started for the person holding the secret, so separation of duties bars them from approving
      // what they sent, as it would had they started the run by hand.
      { missionId: hook.mission_id, versionId: hook.version_id, input: mapped.input, channel: "webhook", userId: hook.holder },
      { actor: { id: hook.holder, label: `webhook ${hookId}` }, via: `webhook ${hookId}`, ...(deps.send ? { send: deps.send } : {}) },
    );
    await database.db.execute(sql`update mission_hook set accepted = accepted + 1 where id = ${hookId}`);
    return json(202, { runId, status: "queued", links: { run: `/runs/${runId}` } });
  } catch (e) {
    // Not started: the sender may deliver the message again once the cause is fixed.
    await database.db.execute(sql`delete from hook_message where hook_id = ${hookId} and message_id = ${messageId}`);
    if (isAppError(e)) return refuse(e.status, e.code, e.message, e.problems);
    throw e;
  }
}
