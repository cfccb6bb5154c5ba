import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems, type FieldProblem } from "@/lib/errors";
import { parseExpression } from "@/lib/mission/expressions";
import { getNodeKind } from "@/lib/mission/node-kinds";
import type { Database } from "@/server/db/database";
import type { TestCaseApproval, TestCaseExpectations } from "@/server/db/schema";
import { getRun } from "@/server/runs/service";
import { checkExpectations, checksFromOutputs, type ExpectationResult } from "./expectations";

export interface TestCaseView {
  id: string;
  missionId: string;
  name: string;
  input: Record<string, unknown>;
  expectations: TestCaseExpectations;
  toolResults: Record<string, unknown>;
  approvals: Record<string, TestCaseApproval>;
  sourceRunId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an identifier (letters, digits, _; not starting with a digit)").max(64, "must be at most 64 characters");

const expectationsInput = z.object({
  outcome: identifier.nullable().default(null),
  checks: z
    .array(z.object({ expression: z.string().trim().min(1, "must not be empty").max(2_000, "must be at most 2000 characters") }))
    .max(100, "at most 100 checks")
    .default([]),
});

const fields = {
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  input: z.record(z.string().max(100), z.unknown()).default({}),
  expectations: expectationsInput.default({ outcome: null, checks: [] }),
  toolResults: z.record(z.string().max(300), z.unknown()).default({}),
  approvals: z
    .record(z.string().max(100), z.object({ approve: z.boolean(), values: z.record(z.string().max(100), z.unknown()).optional(), reason: z.string().max(2_000).optional() }))
    .default({}),
};

export const createTestCaseInput = z.object({ missionId: z.string().min(1, "must not be empty").max(100), ...fields });
export type CreateTestCaseInput = z.input<typeof createTestCaseInput>;

export const updateTestCaseInput = z.object({ id: z.string().min(1, "must not be empty").max(100), ...fields });
export type UpdateTestCaseInput = z.input<typeof updateTestCaseInput>;

export const saveRunAsTestCaseInput = z.object({
  runId: z.string().min(1, "must not be empty").max(100),
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
});
export type SaveRunAsTestCaseInput = z.input<typeof saveRunAsTestCaseInput>;

function parsed<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new AppError("bad_request", `Invalid ${what}`, zodProblems(r.error.issues));
  const problems = checkProblems((r.data as { expectations?: TestCaseExpectations }).expectations);
  if (problems.length) throw new AppError("bad_request", `Invalid ${what}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
  return r.data;
}

/** A check that does not parse is refused when it is saved, not when a suite runs. */
function checkProblems(expectations: TestCaseExpectations | undefined): FieldProblem[] {
  return (expectations?.checks ?? []).flatMap((c, i) => {
    const outcome = parseExpression(c.expression);
    return outcome.ok ? [] : [{ path: `expectations.checks[${i}].expression`, message: outcome.message }];
  });
}

type Row = {
  id: string;
  mission_id: string;
  name: string;
  input: Record<string, unknown>;
  expectations: TestCaseExpectations;
  tool_results: Record<string, unknown>;
  approvals: Record<string, TestCaseApproval>;
  source_run_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
};

const COLUMNS = sql.raw("id, mission_id, name, input, expectations, tool_results, approvals, source_run_id, created_by, created_at::text as created_at, updated_at::text as updated_at");

function view(r: Row): TestCaseView {
  return {
    id: r.id,
    missionId: r.mission_id,
    name: r.name,
    input: r.input,
    expectations: r.expectations,
    toolResults: r.tool_results,
    approvals: r.approvals,
    sourceRunId: r.source_run_id,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

async function requireMission(database: Database, missionId: string): Promise<void> {
  const [m] = await database.rows<{ id: string }>(sql`select id from mission where id = ${missionId}`);
  if (!m) throw new AppError("not_found", `No mission ${missionId}`, [{ path: "missionId", message: "no such mission" }]);
}

async function insert(database: Database, c: Omit<TestCaseView, "id" | "createdAt" | "updatedAt">): Promise<TestCaseView> {
  const id = `tc_${crypto.randomUUID()}`;
  const [row] = await database.rows<Row>(
    sql`insert into mission_test_case (id, mission_id, name, input, expectations, tool_results, approvals, source_run_id, created_by)
        values (${id}, ${c.missionId}, ${c.name}, ${JSON.stringify(c.input)}::jsonb, ${JSON.stringify(c.expectations)}::jsonb,
                ${JSON.stringify(c.toolResults)}::jsonb, ${JSON.stringify(c.approvals)}::jsonb, ${c.sourceRunId}, ${c.createdBy})
        returning ${COLUMNS}`,
  );
  return view(row as Row);
}

/** A test case written by hand: its input, the outcome it expects (or none) and checks over the run's values. */
export async function createTestCase(database: Database, raw: CreateTestCaseInput, userId: string | null): Promise<TestCaseView> {
  const c = parsed(createTestCaseInput, raw, "test case");
  await requireMission(database, c.missionId);
  return insert(database, { ...c, sourceRunId: null, createdBy: userId });
}

export async function updateTestCase(database: Database, raw: UpdateTestCaseInput): Promise<TestCaseView> {
  const c = parsed(updateTestCaseInput, raw, "test case");
  const [row] = await database.rows<Row>(
    sql`update mission_test_case set name = ${c.name}, input = ${JSON.stringify(c.input)}::jsonb, expectations = ${JSON.stringify(c.expectations)}::jsonb,
               tool_results = ${JSON.stringify(c.toolResults)}::jsonb, approvals = ${JSON.stringify(c.approvals)}::jsonb, updated_at = now()
        where id = ${c.id} returning ${COLUMNS}`,
  );
  if (!row) throw new AppError("not_found", `No test case ${c.id}`, [{ path: "id", message: "no such test case" }]);
  return view(row);
}

export async function deleteTestCase(database: Database, id: string): Promise<{ id: string }> {
  const gone = await database.rows(sql`delete from mission_test_case where id = ${id} returning id`);
  if (!gone.length) throw new AppError("not_found", `No test case ${id}`, [{ path: "id", message: "no such test case" }]);
  return { id };
}

export async function listTestCases(database: Database, missionId: string): Promise<TestCaseView[]> {
  const rows = await database.rows<Row>(sql`select ${COLUMNS} from mission_test_case where mission_id = ${missionId} order by created_at, id`);
  return rows.map(view);
}

export async function getTestCase(database: Database, id: string): Promise<TestCaseView> {
  const [row] = await database.rows<Row>(sql`select ${COLUMNS} from mission_test_case where id = ${id}`);
  if (!row) throw new AppError("not_found", `No test case ${id}`, [{ path: "id", message: "no such test case" }]);
  return view(row);
}

/** Whether a case saved from a run compares the output of a step of `kind`: what the mission computed (its registry's `computes`), not what tools returned. */
const compared = (kind: string) => getNodeKind(kind)?.computes === true;

/**
 * "Save as test case" on a finished run: its input; its verdict's outcome and each Worker's and
 * Transform's short output values as expectations; the results of the state-changing tools it
 * called (actions, and Workers' approved calls) by tool ref; and how each approval was answered.
 */
export async function saveRunAsTestCase(database: Database, raw: SaveRunAsTestCaseInput, userId: string | null): Promise<TestCaseView> {
  const req = parsed(saveRunAsTestCaseInput, raw, "request");
  const run = await getRun(database, req.runId);
  if (run.status !== "succeeded" && run.status !== "failed") {
    throw new AppError("conflict", `Run ${run.id} is still ${run.status}: save it as a test case once it has finished`, [{ path: "runId", message: `must be a finished run (it is ${run.status})` }]);
  }
  const outputs = Object.fromEntries(run.nodes.filter((n) => n.kind !== null && compared(n.kind) && n.status === "succeeded").map((n) => [n.nodeId, n.output]));
  const calls = await database.rows<{ tool: string; value: unknown }>(
    sql`select r.data->>'tool' as tool, r.data->'value' as value
        from observation r
        where r.run_id = ${run.id} and r.kind = 'tool_result' and r.data->>'step' is null and coalesce((r.data->>'isError')::boolean, false) = false
        order by r.id`,
  );
  const decisions = await database.rows<{ node_id: string; status: string; final_values: Record<string, unknown> | null; reason: string | null }>(
    sql`select node_id, status, final_values, reason from decision where run_id = ${run.id} and status in ('approved', 'rejected') order by created_at, id`,
  );
  const approvals: Record<string, TestCaseApproval> = {};
  for (const d of decisions) {
    approvals[d.node_id] = { approve: d.status === "approved", ...(d.final_values ? { values: d.final_values } : {}), ...(d.reason ? { reason: d.reason } : {}) };
  }
  const created = new Date(run.createdAt).toISOString().slice(0, 16).replace("T", " ");
  return insert(database, {
    missionId: run.missionId,
    name: req.name ?? `${run.verdict ? `${run.verdict.outcome}: ` : ""}run ${run.id.slice(0, 8)} (${created} UTC)`,
    input: run.input,
    expectations: { outcome: run.verdict?.outcome ?? null, checks: checksFromOutputs(outputs) },
    toolResults: Object.fromEntries(calls.filter((c) => c.tool).map((c) => [c.tool, c.value])),
    approvals,
    sourceRunId: run.id,
    createdBy: userId,
  });
}

/** A run of the case's mission checked against the case: each expectation, passed or failed and why. */
export async function checkRunAgainstCase(database: Database, caseId: string, runId: string): Promise<{ passed: boolean; results: ExpectationResult[] }> {
  const c = await getTestCase(database, caseId);
  const run = await getRun(database, runId);
  if (run.missionId !== c.missionId) throw new AppError("bad_request", `Run ${runId} is not a run of this test case's mission`, [{ path: "runId", message: "must be a run of the case's mission" }]);
  const outputs = Object.fromEntries(run.nodes.filter((n) => n.status === "succeeded").map((n) => [n.nodeId, n.output]));
  const results = checkExpectations(c.expectations, { verdict: run.verdict, input: run.input, outputs });
  return { passed: results.every((r) => r.passed), results };
}
