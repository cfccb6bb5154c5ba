import "server-only";
import { getNodeKind } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { RunSimulation } from "@/server/db/schema";
import { startRun, type RunServiceOptions } from "@/server/runs";
import { caseSimulation } from "@/server/test-cases/suites";
import type { TestCaseView } from "@/server/test-cases/service";

export interface ComparisonRunRequest {
  missionId: string;
  /** The comparison's version: every run of a comparison runs the same one. */
  versionId: string;
  input: Record<string, unknown>;
  userId: string;
  /** Every Worker of the version → the compared model. */
  modelOverrides: Record<string, string>;
  /** What the run simulates (comparisonSimulation). */
  simulation: RunSimulation;
}

/**
 * What a comparison run answers with instead of acting: its test case's recorded tool results and
 * approvals, as a suite run simulates the case; for the one input (no case), no recorded results
 * (state-changing tools answer with the simulation's stub) and every step that can ask a person
 * approved as proposed. Nothing is acted on, so approving is harmless, and it lets the Workers
 * after a gate run and be compared.
 */
export function comparisonSimulation(graph: MissionGraph, testCase: Pick<TestCaseView, "id" | "toolResults" | "approvals"> | null): RunSimulation {
  if (testCase) return caseSimulation(testCase, null);
  // Keyed by the step's canvas id, as the simulation looks answers up (a step inside a For each too).
  const approvals = Object.fromEntries(graph.nodes.filter((n) => getNodeKind(n.kind).asksPerson).map((n) => [n.id, { approve: true }]));
  return { testCaseId: null, suiteRunId: null, toolResults: {}, approvals };
}

/**
 * Starts one run of a comparison. Every comparison run starts here and only here, so how a
 * comparison run differs from a production run is decided in one place: it is a simulation
 * (state-changing tools not called, approvals answered without asking anyone), never a production
 * run, with its Workers' models overridden.
 */
export function startComparisonRun(database: Database, req: ComparisonRunRequest, opts: Omit<RunServiceOptions, "simulation"> = {}): Promise<{ runId: string }> {
  return startRun(
    database,
    { missionId: req.missionId, versionId: req.versionId, input: req.input, channel: "manual", userId: req.userId, modelOverrides: req.modelOverrides },
    { ...opts, via: "model comparison", simulation: req.simulation },
  );
}
