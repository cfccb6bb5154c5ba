import "server-only";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { nodeModel } from "@/lib/mission/node-kinds";
import type { Database } from "@/server/db/database";
import type { RunStatus, TestCaseExpectations } from "@/server/db/schema";
import { versionGraph } from "@/server/engine/plan";
import { boundRunView } from "@/server/observations/run-view";
import { getRun, type RunView } from "@/server/runs";
import { checkExpectations, type ExpectationResult } from "@/server/test-cases/expectations";

const ENDED: RunStatus[] = ["succeeded", "failed", "cancelled"];

export interface ComparedModel {
  id: string;
  label: string;
  /** The provider's name, or null when the model was removed since. */
  provider: string | null;
  providerKind: string | null;
  priceInPerMtok: number | null;
  priceOutPerMtok: number | null;
}

export interface ComparedWorker {
  nodeId: string;
  status: string;
  output: unknown;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  cost: number;
}

/** One run: a case (or the one input) on one model. */
export interface ComparisonCell {
  modelId: string;
  runId: string;
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** From start to end (or until now while it runs); null before it started. */
  latencyMs: number | null;
  workers: ComparedWorker[];
  /** Against its test case, once the run has ended; null for the one input or a deleted case. */
  check: { passed: boolean; results: ExpectationResult[] } | null;
}

export interface ComparisonRow {
  position: number;
  caseId: string | null;
  caseName: string | null;
  input: unknown;
  /** In the comparison's model order. */
  cells: ComparisonCell[];
}

export interface ModelTotals {
  modelId: string;
  runs: number;
  ended: number;
  tokens: number;
  cost: number;
  /** Mean over the runs that ended; null when none has. */
  meanLatencyMs: number | null;
  /** Runs checked against a case, and how many passed; 0 checked: no pass rate. */
  checked: number;
  passed: number;
}

export interface ComparisonView {
  id: string;
  missionId: string;
  missionName: string;
  versionNumber: number;
  createdAt: string;
  createdByName: string | null;
  models: ComparedModel[];
  /** The version's Workers, in graph order, with the model each names itself. */
  workers: { nodeId: string; label: string; model: string }[];
  rows: ComparisonRow[];
  totals: ModelTotals[];
  /** Every run has ended: the page stops polling. */
  done: boolean;
}

/** A comparison with each of its runs as the page shows it side by side. */
export async function getComparison(database: Database, id: string): Promise<ComparisonView> {
  const [c] = await database.rows<{ id: string; mission_id: string; mission_name: string; version_id: string; number: number; models: string[]; created_at: string; created_by_name: string | null }>(
    sql`select c.id, c.mission_id, m.name as mission_name, c.version_id, v.number, c.models, c.created_at::text as created_at, u.name as created_by_name
        from model_comparison c join mission m on m.id = c.mission_id join mission_version v on v.id = c.version_id
        left join "user" u on u.id = c.created_by where c.id = ${id}`,
  );
  if (!c) throw new AppError("not_found", `No model comparison ${id}`);
  const links = await database.rows<{ run_id: string; model_id: string; test_case_id: string | null; case_name: string | null; position: number }>(
    sql`select run_id, model_id, test_case_id, case_name, position from model_comparison_run where comparison_id = ${id} order by position`,
  );
  const graph = await versionGraph(database, c.version_id);
  const workerNodes = graph.nodes.flatMap((n) => {
    const model = nodeModel(n);
    return model === undefined ? [] : [{ nodeId: n.id, label: n.data.label, model }];
  });
  const workerIds = new Set(workerNodes.map((w) => w.nodeId));
  const expectations = await caseExpectations(database, links.flatMap((l) => (l.test_case_id ? [l.test_case_id] : [])));
  const now = Date.now();

  const rows = new Map<number, ComparisonRow>();
  for (const l of links) {
    const run = boundRunView(await getRun(database, l.run_id));
    let row = rows.get(l.position);
    if (!row) rows.set(l.position, (row = { position: l.position, caseId: l.test_case_id, caseName: l.case_name, input: run.input, cells: [] }));
    const expected = l.test_case_id ? expectations.get(l.test_case_id) : undefined;
    row.cells.push(cellOf(run, l.model_id, workerIds, expected, now));
  }
  const order = new Map(c.models.map((m, i) => [m, i]));
  for (const row of rows.values()) row.cells.sort((a, b) => (order.get(a.modelId) ?? 0) - (order.get(b.modelId) ?? 0));
  const allRows = [...rows.values()].sort((a, b) => a.position - b.position);

  return {
    id: c.id,
    missionId: c.mission_id,
    missionName: c.mission_name,
    versionNumber: Number(c.number),
    createdAt: new Date(c.created_at).toISOString(),
    createdByName: c.created_by_name,
    models: await comparedModels(database, c.models),
    workers: workerNodes,
    rows: allRows,
    totals: c.models.map((m) => totalsOf(m, allRows)),
    done: allRows.every((r) => r.cells.every((cell) => ENDED.includes(cell.status))),
  };
}

function cellOf(run: RunView, modelId: string, workerIds: Set<string>, expected: TestCaseExpectations | undefined, now: number): ComparisonCell {
  const ended = ENDED.includes(run.status);
  const started = run.startedAt ? Date.parse(run.startedAt) : null;
  const until = run.endedAt ? Date.parse(run.endedAt) : now;
  let check: ComparisonCell["check"] = null;
  if (expected && ended) {
    const outputs = Object.fromEntries(run.nodes.filter((n) => n.status === "succeeded").map((n) => [n.nodeId, n.output]));
    const results = checkExpectations(expected, { verdict: run.verdict, input: run.input, outputs });
    check = { passed: results.every((r) => r.passed), results };
  }
  return {
    modelId,
    runId: run.id,
    status: run.status,
    verdict: run.verdict,
    error: run.error,
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    cost: run.cost,
    latencyMs: started === null ? null : Math.max(0, until - started),
    workers: run.nodes
      .filter((n) => workerIds.has(n.nodeId))
      .map((n) => ({ nodeId: n.nodeId, status: n.status, output: n.output, error: n.error, tokensIn: n.tokensIn, tokensOut: n.tokensOut, cost: n.cost })),
    check,
  };
}

function totalsOf(modelId: string, rows: ComparisonRow[]): ModelTotals {
  const cells = rows.flatMap((r) => r.cells.filter((c) => c.modelId === modelId));
  const ended = cells.filter((c) => ENDED.includes(c.status));
  const checked = ended.filter((c) => c.check !== null);
  return {
    modelId,
    runs: cells.length,
    ended: ended.length,
    tokens: cells.reduce((s, c) => s + c.tokensIn + c.tokensOut, 0),
    cost: cells.reduce((s, c) => s + c.cost, 0),
    meanLatencyMs: ended.length ? ended.reduce((s, c) => s + (c.latencyMs ?? 0), 0) / ended.length : null,
    checked: checked.length,
    passed: checked.filter((c) => c.check?.passed).length,
  };
}

async function caseExpectations(database: Database, ids: string[]): Promise<Map<string, TestCaseExpectations>> {
  if (!ids.length) return new Map();
  const rows = await database.rows<{ id: string; expectations: TestCaseExpectations }>(
    sql`select id, expectations from mission_test_case where id in (${sql.join([...new Set(ids)].map((i) => sql`${i}`), sql`, `)})`,
  );
  return new Map(rows.map((r) => [r.id, r.expectations]));
}

async function comparedModels(database: Database, ids: string[]): Promise<ComparedModel[]> {
  const rows = await database.rows<{ id: string; label: string; provider: string; kind: string; price_in: string; price_out: string }>(
    sql`select m.id, m.label, p.name as provider, p.kind, m.price_in_per_mtok::text as price_in, m.price_out_per_mtok::text as price_out
        from model m join model_provider p on p.id = m.provider_id where m.id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(id);
    return r
      ? { id, label: r.label || id, provider: r.provider, providerKind: r.kind, priceInPerMtok: Number(r.price_in), priceOutPerMtok: Number(r.price_out) }
      : { id, label: id, provider: null, providerKind: null, priceInPerMtok: null, priceOutPerMtok: null };
  });
}

/** A mission's comparisons, newest first, for its Tests page. */
export async function listComparisons(database: Database, missionId: string): Promise<{ id: string; models: string[]; runs: number; createdAt: string; createdByName: string | null }[]> {
  const rows = await database.rows<{ id: string; models: string[]; runs: number; created_at: string; created_by_name: string | null }>(
    sql`select c.id, c.models, (select count(*)::int from model_comparison_run r where r.comparison_id = c.id) as runs, c.created_at::text as created_at, u.name as created_by_name
        from model_comparison c left join "user" u on u.id = c.created_by where c.mission_id = ${missionId} order by c.created_at desc, c.id limit 50`,
  );
  return rows.map((r) => ({ id: r.id, models: r.models, runs: Number(r.runs), createdAt: new Date(r.created_at).toISOString(), createdByName: r.created_by_name }));
}
