import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { plainProcessEnv } from "./plain-env";

const original = process.env;

describe("plainProcessEnv", () => {
  afterEach(() => {
    process.env = original;
    delete original.STEWARD_PLAIN_ENV_PROBE;
  });

  it("keeps every variable, for this process, child processes and worker threads", async () => {
    process.env.STEWARD_PLAIN_ENV_PROBE = "seen";
    const entries = Object.entries(process.env);
    plainProcessEnv();
    expect(process.env).not.toBe(original);
    expect(Object.getPrototypeOf(process.env)).toBe(Object.prototype);
    expect(Object.entries(process.env)).toEqual(entries);
    const child = execFileSync(process.execPath, ["-e", "process.stdout.write(process.env.STEWARD_PLAIN_ENV_PROBE ?? 'missing')"], { encoding: "utf8" });
    expect(child).toBe("seen");
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage(process.env.STEWARD_PLAIN_ENV_PROBE ?? 'missing')", { eval: true });
    const fromWorker = await new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
    await worker.terminate();
    expect(fromWorker).toBe("seen");
  });
});
