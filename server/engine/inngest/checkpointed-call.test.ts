import { describe, expect, it } from "vitest";
import { CheckpointedCall, MAX_KEPT_BYTES } from "./checkpointed-call";
import type { MemoizedStep } from "./protocol";

const step = (id: string): MemoizedStep => ({ hashedId: id, result: { data: id } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A step slower than `slowMs` is stored at once; quicker ones are kept up to `keepMs`. */
const windowOf = (slowMs: number, keepMs = slowMs) => ({ slowMs, keepMs });

function recorder(answer: () => boolean | Promise<boolean> = () => true) {
  const batches: string[][] = [];
  const store = async (steps: MemoizedStep[]) => {
    batches.push(steps.map((s) => s.hashedId));
    return answer();
  };
  return { batches, store };
}

describe("CheckpointedCall", () => {
  it("keeps quick steps and stores them together when the call ends", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    expect(await call.accept([step("a")])).toBe(true);
    expect(await call.accept([step("b")])).toBe(true);
    expect(batches).toEqual([]);
    expect(await call.flush()).toBe(true);
    expect(batches).toEqual([["a", "b"]]);
    expect(call.steps.map((s) => s.hashedId)).toEqual(["a", "b"]);
  });

  it("stores a step that took long at once, with what was kept before it", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(30), () => {});
    await call.accept([step("quick")]);
    await sleep(40);
    // The timer stored "quick" meanwhile; "slow" took longer than the window, so it is stored before the SDK goes on.
    expect(batches).toEqual([["quick"]]);
    await call.accept([step("slow")]);
    expect(batches).toEqual([["quick"], ["slow"]]);
  });

  it("stores kept steps at most the window after the first of them", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(25), () => {});
    await call.accept([step("a")]);
    await call.accept([step("b")]);
    await sleep(60);
    expect(batches).toEqual([["a", "b"]]);
    await call.flush();
    expect(batches).toEqual([["a", "b"]]);
  });

  it("keeps steps that wrote only the run's own state however long they ran, and stores them with the call's end", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(50, 5_000), () => {});
    // Under load every step's wall time stretches with the other calls on the thread.
    for (const id of ["a", "b", "c"]) {
      await sleep(80);
      await call.accept([step(id)], { tookMs: 80, quick: true });
    }
    await sleep(80);
    expect(batches).toEqual([]);
    expect(await call.finish(async (steps) => (batches.push(["end", ...steps.map((s) => s.hashedId)]), true))).toBe(true);
    expect(batches).toEqual([["end", "a", "b", "c"]]);
  });

  it("goes by the step's own duration when the SDK reports it, not by the time since the last checkpoint", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(200, 5_000), () => {});
    await sleep(250);
    // Long after the call began, but the step itself ran 5 ms: kept.
    await call.accept([step("quick")], { tookMs: 5 });
    expect(batches).toEqual([]);
    // Right after, but it ran 300 ms (a model call): stored before the SDK goes on.
    await call.accept([step("model")], { tookMs: 300 });
    expect(batches).toEqual([["quick", "model"]]);
  });

  it("keeps any other quick step at most the slow-step time, even after steps that may wait longer", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(40, 5_000), () => {});
    await call.accept([step("start")], { tookMs: 1, quick: true });
    // A tool that answered in 2 ms: what it did outside is stored within 40 ms.
    await call.accept([step("tool")], { tookMs: 2 });
    await sleep(100);
    expect(batches).toEqual([["start", "tool"]]);
  });

  it("stores kept steps once their checkpoints reach MAX_KEPT_BYTES", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(5_000), () => {});
    await call.accept([step("a")], { bytes: MAX_KEPT_BYTES - 10 });
    expect(batches).toEqual([]);
    await call.accept([step("b")], { bytes: 10 });
    expect(batches).toEqual([["a", "b"]]);
    await call.accept([step("c")], { bytes: 10 });
    expect(batches).toEqual([["a", "b"]]);
  });

  it("with a window of 0 stores every step before the SDK goes on", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(0), () => {});
    await call.accept([step("a")]);
    await call.accept([step("b")]);
    expect(batches).toEqual([["a"], ["b"]]);
  });

  it("turns stale when the store refuses, and refuses every later step", async () => {
    const { batches, store } = recorder(() => false);
    const call = new CheckpointedCall("job", store, windowOf(0), () => {});
    expect(await call.accept([step("a")])).toBe(false);
    expect(call.stale).toBe(true);
    expect(await call.accept([step("b")])).toBe(false);
    expect(batches).toEqual([["a"]]);
  });

  it("after stop() stores nothing kept and refuses the next step", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await call.accept([step("a")]);
    call.stop();
    expect(await call.accept([step("b")])).toBe(false);
    expect(await call.flush()).toBe(false);
    expect(batches).toEqual([]);
  });

  it("keeps the steps when the database fails, and stores them on the next flush", async () => {
    let fail = true;
    const { batches, store } = recorder(() => {
      if (fail) throw new Error("connection lost");
      return true;
    });
    const call = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await call.accept([step("a")]);
    await expect(call.flush()).rejects.toThrow("connection lost");
    fail = false;
    await call.accept([step("b")]);
    expect(await call.flush()).toBe(true);
    expect(batches).toEqual([["a"], ["a", "b"]]);
  });

  it("finish() stores what is kept together with the call's end, after a store in flight", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const { batches, store } = recorder(async () => {
      await gate;
      order.push("stored");
      return true;
    });
    const call = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await call.accept([step("a")]);
    const inFlight = call.flush();
    await sleep(1);
    await call.accept([step("b")]);
    const ends: string[][] = [];
    const finished = call.finish(async (steps) => {
      order.push("end");
      ends.push(steps.map((s) => s.hashedId));
      return true;
    });
    await sleep(5);
    expect(order).toEqual([]);
    release();
    expect(await inFlight).toBe(true);
    expect(await finished).toBe(true);
    expect(order).toEqual(["stored", "end"]);
    expect(batches).toEqual([["a"]]);
    expect(ends).toEqual([["b"]]);
    expect(call.steps.map((s) => s.hashedId)).toEqual(["a", "b"]);
  });

  it("finish() is false when the call was told to stop or its end is refused, and keeps the steps when the database fails", async () => {
    const { store } = recorder();
    const stopped = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await stopped.accept([step("a")]);
    stopped.stop();
    let called = false;
    expect(await stopped.finish(async () => (called = true))).toBe(false);
    expect(called).toBe(false);

    const refused = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await refused.accept([step("a")]);
    expect(await refused.finish(async () => false)).toBe(false);
    expect(refused.stale).toBe(true);

    const failing = new CheckpointedCall("job", store, windowOf(1_000), () => {});
    await failing.accept([step("a")]);
    await expect(failing.finish(async () => Promise.reject(new Error("connection lost")))).rejects.toThrow("connection lost");
    const again: string[][] = [];
    expect(await failing.finish(async (steps) => (again.push(steps.map((s) => s.hashedId)), true))).toBe(true);
    expect(again).toEqual([["a"]]);
  });
});
