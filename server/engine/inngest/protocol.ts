import "server-only";
import { z } from "zod";

/** An event as the executor stores it and hands it to functions. */
export interface EngineEventPayload {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  user?: Record<string, unknown>;
  v?: string;
}

/** What the SDK sends back for a memoized step: exactly one of the two. */
export type StepResult = { data: unknown } | { error: unknown };

/** A step's result under its hashed id, as the executor memoizes it. */
export interface MemoizedStep {
  hashedId: string;
  result: StepResult;
}

export const jsonErrorSchema = z
  .object({ name: z.string().optional(), message: z.string().optional(), error: z.string().optional(), stack: z.string().optional() })
  .passthrough();
export type JsonError = z.infer<typeof jsonErrorSchema>;

/** One op of a 206 answer. Fields are loose on purpose: the SDK adds more over time. */
export const outgoingOpSchema = z
  .object({
    id: z.string(),
    op: z.string(),
    name: z.string().optional(),
    displayName: z.string().optional(),
    opts: z.record(z.string(), z.unknown()).nullish(),
    data: z.unknown().optional(),
    error: z.unknown().optional(),
  })
  .passthrough();
export type OutgoingOp = z.infer<typeof outgoingOpSchema>;
export const opsSchema = z.array(outgoingOpSchema).min(1);

/** Opcodes the SDK may answer with that the embedded executor knows how to run. */
export const SUPPORTED_OPS = new Set(["StepRun", "StepError", "StepFailed", "StepPlanned", "Sleep", "WaitForEvent", "InvokeFunction", "RunComplete"]);

/** A function as the in-band sync (`PUT`, `x-inngest-sync-kind: in_band`) describes it. */
export const functionConfigSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    triggers: z.array(z.object({ event: z.string().optional(), expression: z.string().optional(), cron: z.string().optional() }).passthrough()),
    steps: z.record(
      z.string(),
      z.object({ retries: z.object({ attempts: z.number().int().min(0) }).optional() }).passthrough(),
    ),
    cancel: z.array(z.object({ event: z.string(), if: z.string().optional(), timeout: z.string().optional() })).optional(),
  })
  .passthrough();
export type FunctionConfig = z.infer<typeof functionConfigSchema>;
/** What the SDK posts to `/v1/checkpoint/<run>/async`: step ops it ran and goes on from. */
export const checkpointSchema = z
  .object({ run_id: z.string(), qi_id: z.string().optional(), steps: z.array(outgoingOpSchema).min(1) })
  .passthrough();

export const inBandSyncSchema = z.object({ functions: z.array(functionConfigSchema) }).passthrough();

/** Default retries when a function does not say: 3 retries, 4 attempts (the SDK's documented default). */
export const DEFAULT_RETRIES = 3;

export function maxAttempts(fn: FunctionConfig): number {
  const retries = Object.values(fn.steps)[0]?.retries?.attempts ?? DEFAULT_RETRIES;
  return retries + 1;
}

export interface CallBody {
  event: EngineEventPayload;
  events: EngineEventPayload[];
  steps: Record<string, StepResult>;
  ctx: {
    run_id: string;
    attempt: number;
    max_attempts: number;
    disable_immediate_execution: boolean;
    use_api: false;
    stack: { stack: string[]; current: number };
    fn_id?: string;
    qi_id?: string;
  };
}

/**
 * The body of a call to the function. With `checkpoint`, `ctx.fn_id` and `ctx.qi_id` are set, so
 * the v4 SDK runs step after step in this one call and checkpoints each result to
 * `POST /v1/checkpoint/<run>/async` (served by the executor's fetch), as it does against an
 * Inngest server; without them it answers after each step.
 */
export function callBody(input: {
  runId: string;
  event: EngineEventPayload;
  steps: MemoizedStep[];
  attempt: number;
  maxAttempts: number;
  disableImmediateExecution: boolean;
  checkpoint?: { fnId: string; queueItemId: string };
}): CallBody {
  // No `version`: the SDK then runs its preferred protocol, v2, the one this executor speaks. It
  // checks a given version against a chain of literal unions that builds a ZodError for each
  // literal before the match, 1.4% of the main thread under the API bench's load.
  return {
    event: input.event,
    events: [input.event],
    steps: Object.fromEntries(input.steps.map((s) => [s.hashedId, s.result])),
    ctx: {
      run_id: input.runId,
      attempt: input.attempt,
      max_attempts: input.maxAttempts,
      disable_immediate_execution: input.disableImmediateExecution,
      use_api: false,
      stack: { stack: input.steps.map((s) => s.hashedId), current: input.steps.length - 1 },
      ...(input.checkpoint ? { fn_id: input.checkpoint.fnId, qi_id: input.checkpoint.queueItemId } : {}),
    },
  };
}

/** A readable `{name, message}` out of whatever the SDK or a thrown value gave us. */
export function toJsonError(value: unknown, fallback = "Unknown error"): { name: string; message: string; stack?: string } {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  const parsed = jsonErrorSchema.safeParse(value);
  if (parsed.success) {
    const e = parsed.data;
    const message = e.message ?? e.error ?? fallback;
    return { name: e.name ?? "Error", message, ...(e.stack ? { stack: e.stack } : {}) };
  }
  if (typeof value === "string") return { name: "Error", message: value };
  return { name: "Error", message: fallback };
}
