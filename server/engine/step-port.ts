import "server-only";

/**
 * What the interpreter needs from a durable engine. Inngest's `step` satisfies it through
 * server/engine/inngest/step-adapter.ts; the interpreter never imports `inngest`.
 * Step ids must be unique within a run and derive from node ids, so replays are deterministic.
 */
export interface StepPort {
  /** Runs `fn` once (memoized); retried on a thrown error unless it is a PermanentError. Results must be JSON. */
  run<T>(id: string, fn: () => Promise<T> | T): Promise<T>;
  /** Waits for an event matching `if` (CEL: `event` = trigger, `async` = incoming); null on timeout. */
  waitForEvent(id: string, opts: { event: string; if: string; timeout: string }): Promise<ReceivedEvent | null>;
  sleep(id: string, duration: string): Promise<void>;
  /** Sleeps until an ISO time (Inngest's `step.sleepUntil`): durable, a restart wakes it at the same moment. */
  sleepUntil(id: string, until: string): Promise<void>;
  sendEvent(id: string, events: OutgoingEvent | OutgoingEvent[]): Promise<void>;
  /**
   * Runs the stored mission run `runId` as a child of this one and waits for its end (Inngest's
   * `step.invoke` of the mission-run function): durable, the child is invoked once and a restart
   * keeps waiting. Resolves with what the child's engine run returned; throws when it failed,
   * was cancelled or did not end within `timeout`.
   */
  invokeRun(id: string, opts: { runId: string; timeout: string }): Promise<unknown>;
}

export interface ReceivedEvent {
  name: string;
  data: Record<string, unknown>;
  id?: string;
  ts?: number;
}

export interface OutgoingEvent {
  name: string;
  data: Record<string, unknown>;
  id?: string;
}

/** Thrown inside a step to fail it at once, without retries (bad configuration, a rejected call). */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentError";
  }
}

/**
 * Thrown by the interpreter once a run has been recorded as failed: the adapter turns it into a
 * non-retriable failure so the engine does not replay a run whose outcome is already written.
 */
export class MissionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissionFailedError";
  }
}

/** The message of whatever a step threw (the SDK rethrows failed steps as StepError). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === "object" && e !== null && "message" in e && typeof e.message === "string") return e.message;
  return String(e);
}
