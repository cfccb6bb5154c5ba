import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { and, asc, eq, inArray, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { observation, run } from "@/server/db/schema";
import { defaultFixturesDir, fixtureNameSchema, parseFixture, REPLAY_FORMAT, type ReplayFixture, type ReplayTurn } from "./fixture";

const stepData = z.object({ step: z.number().int().nonnegative() });
const toolCallData = stepData.extend({ tool: z.string(), args: z.unknown() });

type Row = Pick<typeof observation.$inferSelect, "nodeId" | "attempt" | "kind" | "text" | "data" | "tokensIn" | "tokensOut">;

export interface SavedFixture {
  name: string;
  file: string;
  fixture: ReplayFixture;
}

/**
 * Turns a finished run's Observations into a replay fixture: every Worker model call (the rows
 * sharing `data.step`) becomes one turn with its reasoning, text, tool calls and token counts.
 * Playing it back with `replay:<name>` repeats the run's model side exactly, against real tools.
 */
export async function saveRunAsFixture(
  database: Database,
  runId: string,
  name: string,
  opts: { dir?: string; overwrite?: boolean } = {},
): Promise<SavedFixture> {
  const checked = fixtureNameSchema.safeParse(name);
  if (!checked.success) {
    throw new AppError("bad_request", `The fixture name is not valid`, [{ path: "name", message: checked.error.issues[0]?.message ?? "is not valid" }]);
  }
  const [r] = await database.db.select({ status: run.status }).from(run).where(eq(run.id, runId));
  if (!r) throw new AppError("not_found", `No run ${runId}`);
  if (r.status === "queued" || r.status === "running" || r.status === "waiting") {
    throw new AppError("conflict", `Run ${runId} is still ${r.status}: save it as a fixture once it has finished`);
  }

  const rows: Row[] = await database.db
    .select({
      nodeId: observation.nodeId,
      attempt: observation.attempt,
      kind: observation.kind,
      text: observation.text,
      data: observation.data,
      tokensIn: observation.tokensIn,
      tokensOut: observation.tokensOut,
    })
    .from(observation)
    .where(and(eq(observation.runId, runId), isNotNull(observation.nodeId), inArray(observation.kind, ["reasoning", "text", "tool_call", "usage"])))
    .orderBy(asc(observation.id));

  const byNode = new Map<string, Row[]>();
  for (const row of rows) {
    if (!stepData.safeParse(row.data).success || !row.nodeId) continue;
    byNode.set(row.nodeId, [...(byNode.get(row.nodeId) ?? []), row]);
  }
  if (!byNode.size) throw new AppError("unprocessable", `Run ${runId} has no recorded model calls to save`);

  const workers: ReplayFixture["workers"] = {};
  for (const [nodeId, nodeRows] of byNode) workers[nodeId] = { turns: turnsOf(nodeId, nodeRows) };

  const fixture = parseFixture(
    {
      format: REPLAY_FORMAT,
      name,
      description: `Recorded from run ${runId} on ${new Date().toISOString().slice(0, 10)}.`,
      chunkDelayMs: 20,
      workers,
    },
    `"${name}"`,
  );

  const dir = opts.dir ?? defaultFixturesDir();
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  try {
    await fs.writeFile(file, `${JSON.stringify(fixture, null, 2)}\n`, { flag: opts.overwrite ? "w" : "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new AppError("conflict", `A replay fixture named "${name}" already exists`, [{ path: "name", message: "is already taken" }]);
    }
    throw e;
  }
  return { name, file, fixture };
}

/**
 * Steps of the latest attempt, with earlier steps taken from earlier attempts when the latest one
 * started mid-way (a Worker resumed after an approval may run under a new attempt number).
 */
function turnsOf(nodeId: string, rows: Row[]): ReplayTurn[] {
  const byAttempt = new Map<number, Map<number, Row[]>>();
  for (const row of rows) {
    const step = stepData.parse(row.data).step;
    const steps = byAttempt.get(row.attempt) ?? new Map<number, Row[]>();
    steps.set(step, [...(steps.get(step) ?? []), row]);
    byAttempt.set(row.attempt, steps);
  }
  const chosen = new Map<number, Row[]>();
  for (const attempt of [...byAttempt.keys()].sort((a, b) => b - a)) {
    const steps = byAttempt.get(attempt)!;
    const floor = chosen.size ? Math.min(...chosen.keys()) : Infinity;
    for (const [step, stepRows] of steps) if (step < floor) chosen.set(step, stepRows);
  }
  const count = Math.max(...chosen.keys()) + 1;
  const turns: ReplayTurn[] = [];
  for (let step = 0; step < count; step++) {
    const stepRows = chosen.get(step);
    if (!stepRows) throw new AppError("unprocessable", `The run's record of worker "${nodeId}" is incomplete: model call ${step + 1} is missing`);
    const reasoning = stepRows.filter((r) => r.kind === "reasoning").map((r) => r.text).join("");
    const text = stepRows.filter((r) => r.kind === "text").map((r) => r.text).join("");
    const toolCalls = stepRows
      .filter((r) => r.kind === "tool_call")
      .map((r) => toolCallData.safeParse(r.data))
      .filter((d) => d.success)
      .map(({ data: d }) => ({ toolName: d.tool, input: isRecord(d.args) ? d.args : {} }));
    const usageRows = stepRows.filter((r) => r.kind === "usage");
    turns.push({
      ...(reasoning && { reasoning }),
      ...((text || !toolCalls.length) && { text }),
      ...(toolCalls.length && { toolCalls }),
      usage: {
        inputTokens: usageRows.reduce((n, r) => n + r.tokensIn, 0),
        outputTokens: usageRows.reduce((n, r) => n + r.tokensOut, 0),
      },
    });
  }
  return turns;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
