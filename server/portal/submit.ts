import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { recordAudit } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import type { SendEvents } from "@/server/engine/events";
import { parseRunInput, RunError, startRun } from "@/server/runs";
import { portalProblems, type PortalProblem } from "./messages";
import { findPortal } from "./portals";
import { PORTAL_RATE_RULE, rateKey, takeRateLimit, type RateRule } from "./rate-limit";
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
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; reason: "unavailable" };

/** What the customer quotes: the first 8 characters of the submission id. Not a secret. */
export function referenceOf(submissionId: string): string {
  return submissionId.replace(/-/g, "").slice(0, 8).toUpperCase();
}

/**
 * A portal request: checks the values against the trigger's fields, counts it against the
 * client's rate limit, starts a run on the portal channel (no user), and records the submission
 * with the hash of a fresh status token. Bad input and refusals start nothing.
 */
export async function submitPortalRequest(database: Database, req: PortalSubmission, opts: SubmitOptions = {}): Promise<SubmitResult> {
  const portal = await findPortal(database, req.slug);
  if (!portal) return { ok: false, reason: "not_found" };

  const values = req.values && typeof req.values === "object" && !Array.isArray(req.values) ? (req.values as Record<string, unknown>) : {};
  const checked = parseRunInput(portal.fields, req.values ?? {});
  if (!checked.ok) return { ok: false, reason: "invalid", problems: portalProblems(portal.fields, checked.problems, values) };

  const limit = await takeRateLimit(database, rateKey("portal", req.clientAddress), opts.rule ?? PORTAL_RATE_RULE);
  if (!limit.allowed) return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };

  let runId: string;
  try {
    ({ runId } = await startRun(
      database,
      { missionId: portal.missionId, versionId: portal.versionId, input: checked.input, channel: "portal", userId: null },
      opts.send ? { send: opts.send } : {},
    ));
  } catch (e) {
    if (e instanceof RunError && e.reason === "invalid_input") {
      return { ok: false, reason: "invalid", problems: portalProblems(portal.fields, e.problems, values) };
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
