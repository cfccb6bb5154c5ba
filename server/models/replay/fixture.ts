import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";

export const REPLAY_FORMAT = "steward.replay/v1";
export const REPLAY_PREFIX = "replay:";
/** The key of the transcript played for any Worker the fixture does not name. */
export const ANY_WORKER = "*";

export const fixtureNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit");

export const replayToolCallSchema = z.object({
  /** The tool ref as missions write it (`commerce.get_order`). */
  toolName: z.string().min(1, "must not be empty"),
  input: z.record(z.string(), z.unknown()).default({}),
});

export const replayTurnSchema = z
  .object({
    reasoning: z.string().optional(),
    text: z.string().optional(),
    toolCalls: z.array(replayToolCallSchema).optional(),
    usage: z.object({
      inputTokens: z.number().int().nonnegative(),
      outputTokens: z.number().int().nonnegative(),
    }),
  })
  .refine((t) => t.text !== undefined || (t.toolCalls?.length ?? 0) > 0, {
    message: "a turn needs text or at least one tool call",
  });

export const replayFixtureSchema = z.object({
  format: z.literal(REPLAY_FORMAT, { error: `must be "${REPLAY_FORMAT}"` }),
  name: fixtureNameSchema,
  description: z.string().default(""),
  /** Pause between streamed deltas, so a demo run visibly streams. */
  chunkDelayMs: z.number().int().min(0).max(1_000).default(0),
  workers: z.record(z.string(), z.object({ turns: z.array(replayTurnSchema).min(1, "needs at least one turn") })),
});

export type ReplayFixture = z.infer<typeof replayFixtureSchema>;
export type ReplayTurn = z.infer<typeof replayTurnSchema>;

/** Where `replay:<name>` models live: shipped with the source, so demos and tests run offline. */
export function defaultFixturesDir(): string {
  return path.join(process.cwd(), "server", "models", "replay", "fixtures");
}

export class ReplayFixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayFixtureError";
  }
}

export function parseFixture(json: unknown, source: string): ReplayFixture {
  const parsed = replayFixtureSchema.safeParse(json);
  if (!parsed.success) {
    throw new ReplayFixtureError(`Replay fixture ${source} is not valid: ${describeProblems(zodProblems(parsed.error.issues))}`);
  }
  return parsed.data;
}

export async function loadFixture(name: string, dir = defaultFixturesDir()): Promise<ReplayFixture> {
  const checked = fixtureNameSchema.safeParse(name);
  if (!checked.success) throw new ReplayFixtureError(`Replay fixture name "${name}" ${checked.error.issues[0]?.message ?? "is not valid"}`);
  const file = path.join(dir, `${name}.json`);
  let raw: string;
  try {
    raw = await fs.readFile(file, "utf8");
  } catch {
    throw new ReplayFixtureError(`No replay fixture "${name}" (looked for ${file})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ReplayFixtureError(`Replay fixture "${name}" is not valid JSON: ${(e as Error).message}`);
  }
  const fixture = parseFixture(json, `"${name}"`);
  if (fixture.name !== name) throw new ReplayFixtureError(`Replay fixture file ${name}.json names itself "${fixture.name}"`);
  return fixture;
}

export async function listFixtureNames(dir = defaultFixturesDir()): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .filter((n) => fixtureNameSchema.safeParse(n).success)
    .sort();
}
