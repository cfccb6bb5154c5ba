import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { MissionGraph } from "@/lib/mission/schema";
import type { ToolAnnotations, ToolCallOptions, ToolCallResult, ToolInfo, ToolPolicy, ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import type { RunStatus } from "@/server/db/schema";
import type { WorkerRunInput, WorkerRunner, WorkerStepResult } from "@/server/workers/types";
import { getEngineDeps, type EngineDeps } from "../deps";
import type { EngineEvent } from "@/server/contracts/events";
import type { EmbeddedExecutorOptions } from "../inngest/embedded-executor";
import { generateSigningKey } from "../inngest/signing";
import { createMissionEngine } from "@/server/boot/engine-root";

// Test and benchmark scaffolding for the engine: real database, real SDK, real executor; only
// the connector and worker layers are stand-ins.

export const quietLogger = { info() {}, warn() {}, error() {}, debug() {} };

export interface SeededMission {
  missionId: string;
  versionId: string;
  /** Saved the version. */
  author: string;
  /** Starts runs. */
  starter: string;
  approvers: string[];
}

/** Users, a mission and one published version of `graph`. Ids are fresh, so several can share a database. */
export async function seedMission(database: Database, graph: MissionGraph): Promise<SeededMission> {
  const tag = crypto.randomBytes(4).toString("hex");
  const ids = { author: `author-${tag}`, starter: `starter-${tag}`, approvers: [`ann-${tag}`, `bob-${tag}`, `cy-${tag}`] };
  for (const id of [ids.author, ids.starter, ...ids.approvers]) {
    await database.db.execute(sql`insert into "user" (id, name, email) values (${id}, ${id}, ${`${id}@example.test`})`);
  }
  const missionId = `m-${tag}`;
  const versionId = `v-${tag}`;
  // Published by the system, as a seed is: runs use published versions only.
  await database.db.execute(
    sql`insert into mission (id, name, draft, latest_version, published_version, created_by) values (${missionId}, ${graph.name}, ${JSON.stringify(graph)}::jsonb, 1, 1, ${ids.author})`,
  );
  await database.db.execute(
    sql`insert into mission_version (id, mission_id, number, graph, content_hash, author_id)
        values (${versionId}, ${missionId}, 1, ${JSON.stringify(graph)}::jsonb, ${tag}, ${ids.author})`,
  );
  await database.db.execute(
    sql`insert into version_review (version_id, mission_id, status, governance_hash, decided_at, note)
        values (${versionId}, ${missionId}, 'published', '', now(), 'Seeded for a test')`,
  );
  return { missionId, versionId, ...ids };
}

export interface ToolSpec {
  policy?: ToolPolicy;
  annotations?: ToolAnnotations;
  /** What the tool returns; defaults to echoing the arguments. */
  handle?: (args: Record<string, unknown>) => unknown | Promise<unknown>;
}

/**
 * A ToolPort whose tools are functions. It counts every call and every distinct idempotency key,
 * the way a real connector would dedupe: `effects` is what actually happened outside.
 */
export class FakeTools implements ToolPort {
  calls: { ref: string; args: Record<string, unknown>; key: string | undefined }[] = [];
  /** Idempotency key → first result: a retried call with the same key has no second effect. */
  readonly effects = new Map<string, unknown>();
  constructor(private readonly tools: Record<string, ToolSpec> = {}) {}

  add(ref: string, spec: ToolSpec = {}): this {
    this.tools[ref] = spec;
    return this;
  }

  callsTo(ref: string) {
    return this.calls.filter((c) => c.ref === ref);
  }

  async listTools(refs?: string[]): Promise<ToolInfo[]> {
    return Object.entries(this.tools)
      .filter(([ref]) => !refs || refs.includes(ref))
      .map(([ref, spec]) => {
        const [connector = "", name = ""] = ref.split(".");
        return { ref, connector, name, description: `fake ${ref}`, inputSchema: { type: "object" }, annotations: spec.annotations ?? {}, policy: spec.policy ?? "autonomous" };
      });
  }

  async callTool(ref: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolCallResult> {
    const spec = this.tools[ref];
    if (!spec) throw new Error(`unknown tool ${ref}`);
    this.calls.push({ ref, args, key: opts?.idempotencyKey });
    const key = opts?.idempotencyKey ?? crypto.randomUUID();
    if (!this.effects.has(key)) this.effects.set(key, await (spec.handle ?? ((a) => a))(args));
    const value = this.effects.get(key);
    return { isError: false, text: JSON.stringify(value), value, raw: value };
  }
}

/** A WorkerRunner that plays a script: one entry per turn, given the turn's input. */
export function scriptedWorker(turns: ((input: WorkerRunInput) => WorkerStepResult | Promise<WorkerStepResult>)[]): WorkerRunner & { inputs: WorkerRunInput[] } {
  const inputs: WorkerRunInput[] = [];
  const runner = async (input: WorkerRunInput) => {
    inputs.push(input);
    const turn = turns[Math.min(inputs.filter((i) => i.nodeId === input.nodeId && i.runId === input.runId).length - 1, turns.length - 1)];
    if (!turn) throw new Error("scripted worker has no turns");
    return turn(input);
  };
  return Object.assign(runner, { inputs });
}

export const usage = (tokensIn = 10, tokensOut = 5) => ({ tokensIn, tokensOut, cost: 0 });

export interface TestEngineOptions {
  tools?: ToolPort;
  runWorker?: WorkerRunner;
  executor?: Omit<EmbeddedExecutorOptions, "database" | "handler" | "signingKey" | "onWaitCreated" | "holdWrites">;
}

/** A mission engine on `database` with the given stand-ins; events go to its own executor. */
export function testEngine(database: Database, opts: TestEngineOptions = {}) {
  const sent: EngineEvent[] = [];
  const deps = (): EngineDeps => ({
    ...getEngineDeps(),
    database: async () => database,
    ...(opts.tools ? { tools: opts.tools } : {}),
    ...(opts.runWorker ? { runWorker: opts.runWorker } : {}),
    send: async (events) => {
      sent.push(...[events].flat());
      await engine.executor.send(events);
    },
  });
  const engine = createMissionEngine({
    database,
    signingKey: generateSigningKey(),
    deps,
    logger: quietLogger,
    executor: { concurrency: 4, idleMs: 20, retryBaseMs: 50, logger: { error: () => {}, warn: () => {} }, ...opts.executor },
  });
  return { ...engine, sent, send: deps().send };
}

/** Polls until the run reaches one of `statuses`. */
export async function waitForRun(database: Database, runId: string, statuses: RunStatus[], timeoutMs = 20_000): Promise<RunStatus> {
  const end = Date.now() + timeoutMs;
  let last: RunStatus | undefined;
  while (Date.now() < end) {
    const [row] = await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`);
    last = row?.status;
    if (last && statuses.includes(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${runId} did not reach ${statuses.join("/")} within ${timeoutMs} ms (last: ${last})`);
}

/** Polls until `pred` holds. */
export async function eventually(pred: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}

/** The pending decision of a node once its wait exists (so deciding resumes the run at once). */
export async function waitingDecision(database: Database, runId: string, nodeId: string, timeoutMs = 20_000): Promise<string> {
  let id: string | undefined;
  await eventually(
    async () => {
      const [row] = await database.rows<{ id: string }>(
        sql`select d.id from decision d where d.run_id = ${runId} and d.node_id = ${nodeId} and d.status = 'pending'
              and exists (select 1 from engine_wait w where w.expr = 'async.data.decisionId == ''' || d.id || '''')
            order by d.created_at desc limit 1`,
      );
      id = row?.id;
      return Boolean(id);
    },
    timeoutMs,
    `a waiting decision for ${nodeId}`,
  );
  return id as string;
}

export async function nodeStates(database: Database, runId: string): Promise<Record<string, string>> {
  const rows = await database.rows<{ node_id: string; status: string }>(sql`select node_id, status from run_node where run_id = ${runId}`);
  return Object.fromEntries(rows.map((r) => [r.node_id, r.status]));
}
