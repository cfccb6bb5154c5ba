import { afterEach, describe, expect, it, vi } from "vitest";

// env() reads the environment once per process; each case loads the module afresh.
async function freshEnv() {
  vi.resetModules();
  return (await import("./env")).env;
}

/** Puts the variable back as it was after each case of the block. */
function restoringAfterEach(name: string) {
  const saved = process.env[name];
  afterEach(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
    vi.resetModules();
  });
}

describe("STEWARD_ENGINE_CONCURRENCY", () => {
  restoringAfterEach("STEWARD_ENGINE_CONCURRENCY");

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

describe("STEWARD_DB_PREPARE", () => {
  restoringAfterEach("STEWARD_DB_PREPARE");

  it("prepares repeated statements unless set to 0, and refuses any other value, naming the variable", async () => {
    delete process.env.STEWARD_DB_PREPARE;
    expect((await freshEnv())().STEWARD_DB_PREPARE).toBe("1");
    process.env.STEWARD_DB_PREPARE = "0";
    expect((await freshEnv())().STEWARD_DB_PREPARE).toBe("0");
    process.env.STEWARD_DB_PREPARE = "off";
    const env = await freshEnv();
    expect(() => env()).toThrow(/STEWARD_DB_PREPARE: /);
  });
});

describe("STEWARD_PGLITE_SHARED_BUFFERS_MB", () => {
  restoringAfterEach("STEWARD_PGLITE_SHARED_BUFFERS_MB");

  it("is unset by default (PGlite then gets 32 MB), takes a size in MB, and refuses anything else, naming the variable", async () => {
    delete process.env.STEWARD_PGLITE_SHARED_BUFFERS_MB;
    expect((await freshEnv())().STEWARD_PGLITE_SHARED_BUFFERS_MB).toBeUndefined();
    process.env.STEWARD_PGLITE_SHARED_BUFFERS_MB = "128";
    expect((await freshEnv())().STEWARD_PGLITE_SHARED_BUFFERS_MB).toBe(128);
    for (const bad of ["128MB", "2"]) {
      process.env.STEWARD_PGLITE_SHARED_BUFFERS_MB = bad;
      const env = await freshEnv();
      expect(() => env()).toThrow(/STEWARD_PGLITE_SHARED_BUFFERS_MB: /);
    }
  });
});
