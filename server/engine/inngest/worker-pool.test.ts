import { afterEach, describe, expect, it } from "vitest";
import { WorkerPool, type PoolHost } from "./worker-pool";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pool whose claims never find a job, counting them. */
function idlePool(concurrency: number, idleMs: number) {
  let stopped = false;
  const counts = { claims: 0 };
  const host: PoolHost = {
    stopping: () => stopped,
    dead: () => false,
    processHanded: async () => "done",
    claimAndProcess: async () => {
      counts.claims++;
      return false;
    },
    releaseJob: async () => {},
    logger: console,
  };
  const pool = new WorkerPool(host, idleMs);
  pool.start(concurrency);
  return {
    pool,
    counts,
    async stop() {
      stopped = true;
      pool.wakeAll();
      await pool.join();
    },
  };
}

describe("WorkerPool", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("polls once per idle period however many workers are idle", async () => {
    const idle = idlePool(8, 40);
    stop = idle.stop;
    await sleep(10);
    // Every worker claimed once as it started.
    expect(idle.counts.claims).toBe(8);
    await sleep(400);
    // About 10 polls in 400 ms; one poller per idle worker would have made several times as many.
    const polls = idle.counts.claims - 8;
    expect(polls).toBeGreaterThanOrEqual(5);
    expect(polls).toBeLessThanOrEqual(12);
  });

  it("hands the polling to another idle worker when the poller is taken, and stops polling with none idle", async () => {
    const idle = idlePool(2, 30);
    stop = idle.stop;
    await sleep(10);
    // The worker that is not polling goes first; the poller keeps polling.
    const first = idle.pool.reserveWorker();
    let before = idle.counts.claims;
    await sleep(100);
    expect(idle.counts.claims - before).toBeGreaterThanOrEqual(2);
    // The last idle worker taken: nobody polls.
    const second = idle.pool.reserveWorker();
    expect(second).toBeDefined();
    await sleep(15);
    before = idle.counts.claims;
    await sleep(100);
    expect(idle.counts.claims).toBe(before);
    // Woken without a job, the first claims, goes idle, and polls again.
    first?.wake();
    await sleep(100);
    expect(idle.counts.claims - before).toBeGreaterThanOrEqual(3);
    second?.wake();
  });
});
