import { describe, expect, it } from "vitest";
import { stopWithin } from "./shutdown";

const after = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms));

describe("a shutdown waits for running steps, within a bound", () => {
  it("waits for steps that finish within the grace", async () => {
    const from = Date.now();
    expect(await stopWithin(after(150), 2_000)).toBe("finished");
    expect(Date.now() - from).toBeGreaterThanOrEqual(140);
  });

  it("gives up at the bound when a step runs on", async () => {
    const from = Date.now();
    expect(await stopWithin(after(5_000), 200)).toBe("timed out");
    expect(Date.now() - from).toBeLessThan(1_000);
  });

  it("counts a stop that failed as finished: there is nothing left to wait for", async () => {
    expect(await stopWithin(() => Promise.reject(new Error("already stopped")), 1_000)).toBe("finished");
  });
});
