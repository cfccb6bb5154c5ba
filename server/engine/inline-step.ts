import "server-only";
import type { StepPort } from "./step-port";

/**
 * The step port of a quick step run inside another step: it runs the function at once (the outer
 * step memoizes), and its result round-trips through JSON as a step's does. Quick kinds never wait.
 */
export const INLINE: StepPort = {
  async run<T>(_id: string, fn: () => Promise<T> | T): Promise<T> {
    const value = await fn();
    return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
  },
  waitForEvent: () => Promise.reject(new Error("a quick step does not wait for an event")),
  sleep: () => Promise.reject(new Error("a quick step does not sleep")),
  sleepUntil: () => Promise.reject(new Error("a quick step does not sleep")),
  sendEvent: () => Promise.reject(new Error("a quick step sends no event")),
  invokeRun: () => Promise.reject(new Error("a quick step starts no run")),
};
