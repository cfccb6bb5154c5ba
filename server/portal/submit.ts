import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { recordAudit } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import type { SendEvents } from "@/server/contracts/events";
import { RunError, startRun } from "@/server/runs";
import { portalProblems, type PortalProblem } from "./messages";
import { checkPortalValues } from "./values";
import { findPortal } from "./portals";
import { PORTAL_RATE_RULE, rateKey, takeRateLimit, type RateDecision, type RateRule } from "./rate-limit";
import { hashStatusToken, newStatusToken } from "./tokens";

export interface PortalSubmission {
  slug: string;
  /** Field values by input name, as the form or JSON body sent them. */
  values: unknown;
  /** The client's address (server/portal/client-address.ts), for the rate limit. */
  clientAddress: string;
}

export interface SubmitOptions {
  rule?: RateRule;
  /** Where run events go (default: the engine). */
  send?: SendEvents;
}

export type SubmitResult =
  | { ok: true; token: string; reference: string; statusPath: string; runId: string }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "invalid"; problems: PortalProblem[] }
  | { ok: false; reason: "too_large" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; reason: "unavailable" };

/** A portal form is a few fields; anything larger is not a form submission. */
export const MAX_PORTAL_BODY_BYTES = 64 * 1024;

/** What the customer quotes: the first 8 characters of the submission id. Not a secret. */
export function referenceOf(submissionId: string): string {
  return submissionId.replace(/-/g, "").slice(0, 8).toUpperCase();
}

/**
 * Counts one submission attempt from this address against the rate limit, whatever it holds:
 * sending a malformed or invalid request costs a try too, so probing the form is limited.
 */
export function countPortalAttempt(database: Database, clientAddress: string, rule: RateRule = PORTAL_RATE_RULE): Promise<RateDecision> {
  return takeRateLimit(database, rateKey("portal", clientAddress), rule);
}

/**
 * A portal request, as the JSON endpoint or the form action read it. Counts against the client's
 * rate limit (valid or not), refuses more than 64 KB of values, checks the values against the
 * trigger's fields (a blank value is an absent one), starts a run on the portal channel (no user),
 * and records the submission with the hash of a fresh status token. Refusals start nothing.
 */
export async function submitPortalRequest(database: Database, req: PortalSubmission, opts: SubmitOptions = {}): Promise<SubmitResult> {
  const limit = await countPortalAttempt(database, req.clientAddress, opts.rule);
  if (!limit.allowed) return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };
  if (valuesSize(req.values) > MAX_PORTAL_BODY_BYTES) return { ok: false, reason: "too_large" };

  const portal = await findPortal(database, req.slug);
  if (!portal) return { ok: false, reason: "not_found" };

  const checked = checkPortalValues(portal.fields, req.values);
  if (!checked.ok) return { ok: false, reason: "invalid", problems: checked.problems };

  let runId: string;
  try {
    ({ runId } = await startRun(
      database,
      { missionId: portal.missionId, versionId: portal.versionId, input: checked.input, channel: "portal", userId: null },
      opts.send ? { send: opts.send } : {},
    ));
  } catch (e) {
    if (e instanceof RunError && e.reason === "invalid_input") {
      return { ok: false, reason: "invalid", problems: portalProblems(portal.fields, e.problems, checked.input) };
    }
    // The version cannot run (or was archived a moment ago): nothing the customer can fix.
    if (e instanceof RunError) {
      console.warn(`[portal] ${req.slug}: mission ${portal.missionId} cannot start a run: ${e.message}`);
      return { ok: false, reason: "unavailable" };
    }
    throw e;
  }

  const id = crypto.randomUUID();
  const token = newStatusToken();
  const reference = referenceOf(id);
  await database.db.transaction(async (tx) => {
    await tx.execute(
      sql`insert into portal_submission (id, token_hash, slug, mission_id, run_id) values (${id}, ${hashStatusToken(token)}, ${req.slug}, ${portal.missionId}, ${runId})`,
    );
    await recordAudit(tx, {
      action: "portal.request_received",
      actor: { id: null, label: `portal /p/${req.slug}` },
      targetType: "portal_submission",
      targetId: id,
      runId,
      data: { slug: req.slug, reference, missionId: portal.missionId, versionId: portal.versionId },
    });
  });
  return { ok: true, token, reference, statusPath: `/p/${req.slug}/status/${token}`, runId };
}

/** The bytes of the field names and text values: what a form of a few fields carries. */
function valuesSize(values: unknown): number {
  if (!values || typeof values !== "object") return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(values)) bytes += Buffer.byteLength(name) + (typeof value === "string" ? Buffer.byteLength(value) : 8);
  return bytes;
}
