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

  it("leaves no claims owed after a burst: runs handed over afterwards are not followed by empty claims", async () => {
    let stopped = false;
    let due = 0;
    const counts = { claims: 0, handed: 0 };
    const host: PoolHost = {
      stopping: () => stopped,
      dead: () => false,
      processHanded: async () => {
        await sleep(2);
        counts.handed++;
        return "done";
      },
      claimAndProcess: async () => {
        counts.claims++;
        if (due === 0) return false;
        due--;
        await sleep(1);
        return due > 0 ? "more" : "done";
      },
      releaseJob: async () => {},
      logger: console,
    };
    // A poll period longer than the test: every claim below is one the pool chose to make.
    const pool = new WorkerPool(host, 60_000);
    pool.start(2);
    stop = async () => {
      stopped = true;
      pool.wakeAll();
      await pool.join();
    };
    await sleep(10);
    // The burst: 100 jobs enqueued at once, each waking a worker; two find one idle, 98 find none.
    due = 100;
    for (let i = 0; i < 100; i++) pool.wakeOne();
    expect(pool.owedWakes()).toBe(98);
    while (due > 0) await sleep(5);
    await sleep(20);
    expect(pool.owedWakes()).toBe(0);
    // After it, runs handed one at a time to an idle worker, as the API's starts are.
    const claimsAfterBurst = counts.claims;
    for (let i = 0; i < 20; i++) {
      let worker = pool.reserveWorker();
      while (!worker) {
        await sleep(1);
        worker = pool.reserveWorker();
      }
      worker.wake({} as Parameters<PoolHost["processHanded"]>[0]);
    }
    while (counts.handed < 20) await sleep(2);
    await sleep(20);
    expect(counts.claims - claimsAfterBurst).toBe(0);
  });
});
