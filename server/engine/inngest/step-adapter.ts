import "server-only";
import { NonRetriableError } from "inngest";
import type { OutgoingEvent, ReceivedEvent, StepPort } from "../step-port";
import { PermanentError } from "../step-port";

/** The subset of Inngest's `step` tools the adapter uses (kept structural so it is easy to satisfy). */
export interface InngestStepTools {
  run(id: string, fn: () => unknown): Promise<unknown>;
  waitForEvent(id: string, opts: { event: string; if?: string; timeout: string }): Promise<unknown>;
  sleep(id: string, duration: string): Promise<unknown>;
  sleepUntil(id: string, time: string): Promise<unknown>;
  sendEvent(id: string, payload: OutgoingEvent | OutgoingEvent[]): Promise<unknown>;
  invoke(id: string, opts: { function: unknown; data: Record<string, unknown>; timeout: string }): Promise<unknown>;
}

/**
 * Inngest's `step` as the interpreter's StepPort: PermanentError becomes NonRetriableError.
 * `missionRun` is the function a child run is invoked on (a reference to mission-run).
 */
export function stepPort(step: InngestStepTools, missionRun: unknown): StepPort {
  return {
    async run<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
      const result = await step.run(id, async () => {
        try {
          return await fn();
        } catch (e) {
          if (e instanceof PermanentError) throw new NonRetriableError(e.message, { cause: e });
          throw e;
        }
      });
      // Step results round-trip through JSON; interpreter code only returns JSON values.
      return result as T;
    },
    async waitForEvent(id, opts) {
      const evt = await step.waitForEvent(id, opts);
      return (evt ?? null) as ReceivedEvent | null;
    },
    async sleep(id, duration) {
      await step.sleep(id, duration);
    },
    async sleepUntil(id, until) {
      await step.sleepUntil(id, until);
    },
    async sendEvent(id, events) {
      await step.sendEvent(id, events);
    },
    invokeRun(id, { runId, timeout }) {
      return step.invoke(id, { function: missionRun, data: { runId }, timeout });
    },
  };
}
