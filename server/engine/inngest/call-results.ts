import "server-only";
import crypto from "node:crypto";
import type { DbOrTx } from "@/server/db/database";
import { dueAt, retryAt } from "./durations";
import { INVOKED_EVENT, type ExecutorStore, type JobRow, type EngineRunRow, type TxEffects } from "./executor-store";
import {
  SUPPORTED_OPS,
  opsSchema,
  toJsonError,
  type EngineEventPayload,
  type FunctionConfig,
  type OutgoingOp,
  type StepResult,
} from "./protocol";

/** serve()'s answer to one call, read. */
export interface CallAnswer {
  status: number;
  payload: unknown;
  /** The SDK said not to retry (x-inngest-no-retry). */
  noRetry: boolean;
  /** The SDK's Retry-After, if any. */
  retryAfter: string | null;
}

/**
 * Applies what serve() answered to a call: step results memoized, steps planned, waits and
 * invocations created, retries scheduled, the run ended.
 */
export class CallResults {
  constructor(
    private readonly store: ExecutorStore,
    private readonly functions: () => FunctionConfig[],
    private readonly opts: { maxStepOutputBytes: number; retryBaseMs: number },
  ) {}

  /** The hot path: one StepRun (or final StepFailed) stored in a single statement. */
  async saveSingleResult(
    job: JobRow,
    payload: unknown,
    chainLeaseMs: number | undefined,
  ): Promise<{ outcome: "kept" | "saved"; hashedId: string; result: StepResult } | false> {
    const parsed = opsSchema.safeParse(payload);
    if (!parsed.success || parsed.data.length !== 1) return false;
    const [op] = parsed.data as [OutgoingOp];
    let result: StepResult;
    if (op.op === "StepRun") {
      const data = op.data ?? null;
      if (Buffer.byteLength(JSON.stringify(data)) > this.opts.maxStepOutputBytes) return false;
      result = { data };
    } else if (op.op === "StepFailed") result = { error: toJsonError(op.error) };
    else return false;
    const outcome = await this.store.saveStepResult(job, op.id, result, chainLeaseMs);
    return outcome && { outcome, hashedId: op.id, result };
  }

  /** Everything else, in the caller's transaction. */
  async apply(tx: DbOrTx, job: JobRow, run: EngineRunRow, answer: CallAnswer, fx: TxEffects): Promise<void> {
    const { status, payload } = answer;
    const retryOrElse = async (final: () => Promise<void>): Promise<void> => {
      if (!answer.noRetry && job.attempt + 1 < run.max_attempts) {
        await this.store.retryJob(tx, job, retryAt(job.attempt, answer.retryAfter, this.opts.retryBaseMs));
        return;
      }
      await final();
      await this.store.finishJob(tx, job, fx);
    };

    if (status === 200) {
      await this.store.endRun(tx, run.id, "completed", payload, this.functions(), fx);
      return;
    }
    if (status !== 206) {
      const error = toJsonError(payload, `The function answered HTTP ${status}`);
      await retryOrElse(() => this.fail(tx, run, error, fx));
      return;
    }
    const parsed = opsSchema.safeParse(payload);
    if (!parsed.success) {
      await this.fail(tx, run, { name: "NonRetriableError", message: `The SDK answered ops the executor cannot read: ${parsed.error.message}` }, fx);
      return;
    }
    const ops = parsed.data;
    const unsupported = ops.find((o) => !SUPPORTED_OPS.has(o.op));
    if (unsupported) {
      const step = unsupported.displayName ?? unsupported.name ?? unsupported.id;
      await this.fail(
        tx,
        run,
        {
          name: "NonRetriableError",
          message: `The embedded executor does not support the ${unsupported.op} opcode (step "${step}"). Missions must not use step.ai.infer, step.fetch, waitForSignal, realtime publish or defer; run on an Inngest server to use them.`,
        },
        fx,
      );
      return;
    }
    const [only] = ops;
    if (ops.length === 1 && only?.op === "StepError") {
      await retryOrElse(() => this.store.saveStep(tx, run.id, only.id, { error: toJsonError(only.error) }, fx).then(() => {}));
      return;
    }
    for (const op of ops) await this.applyOp(tx, run, op, fx);
    // A run that just ended took its jobs with it.
    if (!fx.ended.includes(run.id)) await this.store.finishJob(tx, job, fx);
  }

  async fail(tx: DbOrTx, run: EngineRunRow, error: { name: string; message: string }, fx: TxEffects): Promise<void> {
    await this.store.endRun(tx, run.id, "failed", error, this.functions(), fx);
  }

  private async applyOp(tx: DbOrTx, run: EngineRunRow, op: OutgoingOp, fx: TxEffects): Promise<void> {
    const opts = op.opts ?? {};
    const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    switch (op.op) {
      case "StepRun": {
        const data = op.data ?? null;
        const bytes = Buffer.byteLength(JSON.stringify(data));
        const result: StepResult =
          bytes > this.opts.maxStepOutputBytes
            ? { error: { name: "OutputTooLargeError", message: `Step "${op.displayName ?? op.id}" returned ${bytes} bytes; the limit is ${this.opts.maxStepOutputBytes}` } }
            : { data };
        await this.store.saveStep(tx, run.id, op.id, result, fx);
        return;
      }
      case "StepError":
      case "StepFailed":
        await this.store.saveStep(tx, run.id, op.id, { error: toJsonError(op.error) }, fx);
        return;
      case "StepPlanned":
        await this.store.planStep(tx, run.id, op.id, fx);
        return;
      case "RunComplete":
        await this.store.endRun(tx, run.id, "completed", op.data ?? null, this.functions(), fx);
        return;
      case "Sleep":
      case "WaitForEvent":
      case "InvokeFunction": {
        const kind = op.op === "Sleep" ? "sleep" : op.op === "WaitForEvent" ? "event" : "invoke";
        const spec = op.op === "Sleep" ? (str(opts.duration) ?? op.name) : str(opts.timeout);
        let expiresAt: Date | null = null;
        try {
          expiresAt = spec ? dueAt(spec) : null;
        } catch (e) {
          await this.fail(tx, run, { name: "NonRetriableError", message: `Step "${op.displayName ?? op.id}": ${(e as Error).message}` }, fx);
          return;
        }
        if (kind === "sleep" && !expiresAt) {
          await this.fail(tx, run, { name: "NonRetriableError", message: `Step "${op.displayName ?? op.id}": sleep without a duration` }, fx);
          return;
        }
        const eventName = kind === "event" ? (str(opts.event) ?? op.name ?? null) : null;
        const created = await this.store.addWait(
          tx,
          { runId: run.id, hashedId: op.id, kind, eventName, expr: str(opts.if) ?? null, expiresAt },
          fx,
        );
        if (created && kind === "invoke") await this.invoke(tx, run, op, fx);
        return;
      }
      default:
        await this.fail(tx, run, { name: "NonRetriableError", message: `Unsupported opcode ${op.op}` }, fx);
    }
  }

  private async invoke(tx: DbOrTx, run: EngineRunRow, op: OutgoingOp, fx: TxEffects): Promise<void> {
    const opts = op.opts ?? {};
    const fnId = typeof opts.function_id === "string" ? opts.function_id : "";
    const target = this.functions().find((f) => f.id === fnId);
    if (!target) {
      await this.store.resolveWait(tx, run.id, op.id, { error: { name: "Error", message: `Invoked function ${fnId || "(none)"} is not served by this app` } }, fx);
      return;
    }
    const payload = (opts.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
    const event: EngineEventPayload = {
      id: crypto.randomUUID(),
      name: INVOKED_EVENT,
      data: payload.data ?? {},
      ts: Date.now(),
      ...(payload.v ? { v: payload.v } : {}),
    };
    await this.store.createRun(tx, target, event, { runId: run.id, stepId: op.id }, fx);
  }
}

/** The function's return value when its answer only says that it completed (200, or a lone RunComplete op). */
export function completionOf(status: number, payload: unknown): { output: unknown } | undefined {
  if (status === 200) return { output: payload };
  if (status !== 206) return undefined;
  const parsed = opsSchema.safeParse(payload);
  const [op] = parsed.success ? parsed.data : [];
  return parsed.success && parsed.data.length === 1 && op?.op === "RunComplete" ? { output: op.data ?? null } : undefined;
}
