import { afterEach, describe, expect, it, vi } from "vitest";

// env() reads the environment once per process; each case loads the module afresh.
async function freshEnv() {
  vi.resetModules();
  return (await import("./env")).env;
}

describe("STEWARD_ENGINE_CONCURRENCY", () => {
  const saved = process.env.STEWARD_ENGINE_CONCURRENCY;
  afterEach(() => {
    if (saved === undefined) delete process.env.STEWARD_ENGINE_CONCURRENCY;
    else process.env.STEWARD_ENGINE_CONCURRENCY = saved;
    vi.resetModules();
  });

  it("lets 16 jobs move at once unless set", async () => {
    delete process.env.STEWARD_ENGINE_CONCURRENCY;
    expect((await freshEnv())().STEWARD_ENGINE_CONCURRENCY).toBe(16);
  });

  it("reads a whole number from 1 to 256", async () => {
    process.env.STEWARD_ENGINE_CONCURRENCY = "40";
    expect((await freshEnv())().STEWARD_ENGINE_CONCURRENCY).toBe(40);
  });

  it("refuses anything else at start, naming the variable", async () => {
    for (const bad of ["0", "257", "2.5", "many"]) {
      process.env.STEWARD_ENGINE_CONCURRENCY = bad;
      const env = await freshEnv();
      expect(() => env(), bad).toThrow(/STEWARD_ENGINE_CONCURRENCY: /);
    }
  });
});
