import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, describeProblems, zodProblems, type FieldProblem } from "@/lib/errors";
import { nodeModel } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { versionGraph } from "@/server/engine/plan";
import { parseRunInput } from "@/server/runs";
import { listTestCases, type TestCaseView } from "@/server/test-cases/service";
import { comparisonSimulation, startComparisonRun } from "./start-run";

/** Enough to see a difference; each model × case is a whole run. */
export const MAX_COMPARED_MODELS = 5;
export const MAX_COMPARED_CASES = 20;

export const startComparisonInput = z
  .object({
    missionId: z.string().min(1, "must not be empty").max(100),
    models: z
      .array(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"))
      .min(2, "pick at least two models to compare")
      .max(MAX_COMPARED_MODELS, `pick at most ${MAX_COMPARED_MODELS} models`),
    /** One trigger input to run on every model; without it, the mission's test cases are run. */
    input: z.record(z.string().max(100), z.unknown()).optional(),
    /** Only these test cases (default: all of the mission's). Not with `input`. */
    caseIds: z.array(z.string().min(1).max(100)).min(1, "name at least one test case").max(MAX_COMPARED_CASES).optional(),
  })
  .refine((v) => !(v.input && v.caseIds), { path: ["caseIds"], message: "compare either one input or test cases, not both" });
export type StartComparisonInput = z.input<typeof startComparisonInput>;

interface CaseToRun {
  caseId: string | null;
  caseName: string | null;
  input: Record<string, unknown>;
  /** The case its runs simulate; null for the one input. */
  testCase: TestCaseView | null;
}

/**
 * Runs the mission's published version on each model: every Worker of the version on that model
 * (a per-run model override), one simulated run per test case (or for the one input) and model:
 * nothing state-changing is called and nobody is asked (comparisonSimulation). Everything is
 * checked before the first run starts: the models are registered, the version has a Worker, each
 * input fits the trigger. Returns the comparison's id, for its page.
 */
export async function startComparison(database: Database, raw: StartComparisonInput, userId: string): Promise<{ comparisonId: string; runIds: string[] }> {
  const parsed = startComparisonInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid model comparison", zodProblems(parsed.error.issues));
  const req = parsed.data;

  const [m] = await database.rows<{ name: string; version_id: string | null; archived: boolean }>(
    sql`select m.name, v.id as version_id, m.archived_at is not null as archived
        from mission m left join mission_version v on v.mission_id = m.id and v.number = m.published_version
        where m.id = ${req.missionId}`,
  );
  if (!m) throw new AppError("not_found", `No mission ${req.missionId}`);
  if (m.archived) throw new AppError("conflict", `Mission ${req.missionId} is archived: restore it to compare models on it`);
  if (!m.version_id) throw new AppError("bad_request", `Mission "${m.name}" has no published version to compare models on`, [{ path: "missionId", message: "must have a published version" }]);
  const versionId = m.version_id;
  const graph = await versionGraph(database, versionId);
  const workers = graph.nodes.filter((n) => nodeModel(n) !== undefined).map((n) => n.id);
  if (!workers.length) throw new AppError("bad_request", `Mission "${m.name}" has no Worker: there is no model to compare`, [{ path: "missionId", message: "must have a Worker step" }]);

  await checkModels(database, req.models);
  const cases = req.input ? [{ caseId: null, caseName: null, input: req.input, testCase: null }] : await casesToRun(database, req.missionId, req.caseIds);
  checkInputs(graph, cases, !req.input);

  const comparisonId = crypto.randomUUID();
  await database.rows(
    sql`insert into model_comparison (id, mission_id, version_id, models, created_by)
        values (${comparisonId}, ${req.missionId}, ${versionId}, ${JSON.stringify(req.models)}::jsonb, ${userId})`,
  );
  const runIds: string[] = [];
  for (const [position, c] of cases.entries()) {
    for (const modelId of req.models) {
      const { runId } = await startComparisonRun(database, {
        missionId: req.missionId,
        versionId,
        input: c.input,
        userId,
        modelOverrides: Object.fromEntries(workers.map((w) => [w, modelId])),
        simulation: comparisonSimulation(graph, c.testCase),
      });
      await database.rows(
        sql`insert into model_comparison_run (comparison_id, run_id, model_id, test_case_id, case_name, position)
            values (${comparisonId}, ${runId}, ${modelId}, ${c.caseId}, ${c.caseName}, ${position})`,
      );
      runIds.push(runId);
    }
  }
  return { comparisonId, runIds };
}

async function checkModels(database: Database, models: string[]): Promise<void> {
  const rows = await database.rows<{ id: string }>(sql`select id from model where id in (${sql.join(models.map((id) => sql`${id}`), sql`, `)})`);
  const known = new Set(rows.map((r) => r.id));
  const problems: FieldProblem[] = [];
  models.forEach((id, i) => {
    if (models.indexOf(id) !== i) problems.push({ path: `models.${i}`, message: `"${id}" is listed twice` });
    else if (!known.has(id)) problems.push({ path: `models.${i}`, message: `"${id}" is not a registered model: register it in Settings → Models` });
  });
  if (problems.length) throw new AppError("bad_request", `Cannot compare: ${describeProblems(problems)}`, problems);
}

async function casesToRun(database: Database, missionId: string, caseIds: string[] | undefined): Promise<CaseToRun[]> {
  const all = await listTestCases(database, missionId);
  const toRun = (c: TestCaseView): CaseToRun => ({ caseId: c.id, caseName: c.name, input: c.input, testCase: c });
  if (caseIds) {
    const byId = new Map(all.map((c) => [c.id, c]));
    const problems = caseIds.flatMap((id, i) => (byId.has(id) ? [] : [{ path: `caseIds.${i}`, message: "is not a test case of this mission" }]));
    if (problems.length) throw new AppError("bad_request", `Cannot compare: ${describeProblems(problems)}`, problems);
    return caseIds.map((id) => toRun(byId.get(id)!));
  }
  if (!all.length) throw new AppError("bad_request", "This mission has no test cases: compare on one input, or save a run as a test case first", [{ path: "input", message: "is needed when the mission has no test cases" }]);
  if (all.length > MAX_COMPARED_CASES) {
    throw new AppError("bad_request", `This mission has ${all.length} test cases: pick at most ${MAX_COMPARED_CASES}`, [{ path: "caseIds", message: `pick at most ${MAX_COMPARED_CASES} test cases` }]);
  }
  return all.map(toRun);
}

/** Each input must fit the trigger before any run starts: a comparison is not left half started. */
function checkInputs(graph: MissionGraph, cases: CaseToRun[], fromCases: boolean): void {
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (trigger?.kind !== "trigger") return;
  for (const [i, c] of cases.entries()) {
    const checked = parseRunInput(trigger.data.fields, c.input);
    if (checked.ok) continue;
    const where = fromCases ? `test case "${c.caseName}"` : "the input";
    const problems = checked.problems.map((p) => ({ path: fromCases ? `caseIds.${i}` : p.path, message: fromCases ? `its input: ${p.path} ${p.message}` : p.message }));
    throw new AppError("bad_request", `Cannot compare: ${where} does not fit the trigger (${describeProblems(checked.problems)})`, problems);
  }
}
