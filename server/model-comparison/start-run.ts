import "server-only";
import type { Database } from "@/server/db/database";
import { startRun, type RunServiceOptions } from "@/server/runs";

export interface ComparisonRunRequest {
  missionId: string;
  /** The comparison's version: every run of a comparison runs the same one. */
  versionId: string;
  input: Record<string, unknown>;
  userId: string;
  /** Every Worker of the version → the compared model. */
  modelOverrides: Record<string, string>;
}

/**
 * Starts one run of a comparison. Every comparison run starts here and only here, so how a
 * comparison run differs from a production run is decided in one place: the simulation option
 * (state-changing tools not called, approvals answered by the test case) is passed to startRun
 * here when simulation mode is merged. Until then a comparison run is an ordinary manual run of
 * the version with its Workers' models overridden.
 */
export function startComparisonRun(database: Database, req: ComparisonRunRequest, opts: RunServiceOptions = {}): Promise<{ runId: string }> {
  return startRun(
    database,
    { missionId: req.missionId, versionId: req.versionId, input: req.input, channel: "manual", userId: req.userId, modelOverrides: req.modelOverrides },
    { ...opts, via: "model comparison" },
  );
}
