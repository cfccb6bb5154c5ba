import { describe, expect, it } from "vitest";
import { CheckpointedCall, MAX_KEPT_BYTES } from "./checkpointed-call";
import type { MemoizedStep } from "./protocol";

const step = (id: string): MemoizedStep => ({ hashedId: id, result: { data: id } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A step that wrote only the run's own state: the only kind that is kept. */
const QUICK = { quick: true };

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
    const call = new CheckpointedCall("job", store, 1_000, () => {});
    expect(await call.accept([step("a")], QUICK)).toBe(true);
    expect(await call.accept([step("b")], QUICK)).toBe(true);
    expect(batches).toEqual([]);
    expect(await call.flush()).toBe(true);
    expect(batches).toEqual([["a", "b"]]);
    expect(call.steps.map((s) => s.hashedId)).toEqual(["a", "b"]);
  });

  it("stores any other step before the SDK goes on, with what was kept before it", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 1_000, () => {});
    await call.accept([step("start")], QUICK);
    expect(batches).toEqual([]);
    // A tool call, however quick: what the run did outside is stored before it goes on.
    await call.accept([step("tool")]);
    expect(batches).toEqual([["start", "tool"]]);
  });

  it("stores kept steps at most the window after the first of them", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 25, () => {});
    await call.accept([step("a")], QUICK);
    await call.accept([step("b")], QUICK);
    await sleep(60);
    expect(batches).toEqual([["a", "b"]]);
    await call.flush();
    expect(batches).toEqual([["a", "b"]]);
  });

  it("keeps steps that wrote only the run's own state however long they ran, and stores them with the call's end", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 5_000, () => {});
    // Under load every step's wall time stretches with the other calls on the thread.
    for (const id of ["a", "b", "c"]) {
      await sleep(80);
      await call.accept([step(id)], QUICK);
    }
    await sleep(80);
    expect(batches).toEqual([]);
    expect(await call.finish(async (steps) => (batches.push(["end", ...steps.map((s) => s.hashedId)]), true))).toBe(true);
    expect(batches).toEqual([["end", "a", "b", "c"]]);
  });

  it("stores kept steps once their checkpoints reach MAX_KEPT_BYTES", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 5_000, () => {});
    await call.accept([step("a")], { ...QUICK, bytes: MAX_KEPT_BYTES - 10 });
    expect(batches).toEqual([]);
    await call.accept([step("b")], { ...QUICK, bytes: 10 });
    expect(batches).toEqual([["a", "b"]]);
    await call.accept([step("c")], { ...QUICK, bytes: 10 });
    expect(batches).toEqual([["a", "b"]]);
  });

  it("with a window of 0 stores every step before the SDK goes on", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 0, () => {});
    await call.accept([step("a")], QUICK);
    await call.accept([step("b")], QUICK);
    expect(batches).toEqual([["a"], ["b"]]);
  });

  it("turns stale when the store refuses, and refuses every later step", async () => {
    const { batches, store } = recorder(() => false);
    const call = new CheckpointedCall("job", store, 0, () => {});
    expect(await call.accept([step("a")])).toBe(false);
    expect(call.stale).toBe(true);
    expect(await call.accept([step("b")])).toBe(false);
    expect(batches).toEqual([["a"]]);
  });

  it("after stop() stores nothing kept and refuses the next step", async () => {
    const { batches, store } = recorder();
    const call = new CheckpointedCall("job", store, 1_000, () => {});
    await call.accept([step("a")], QUICK);
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
    const call = new CheckpointedCall("job", store, 1_000, () => {});
    await call.accept([step("a")], QUICK);
    await expect(call.flush()).rejects.toThrow("connection lost");
    fail = false;
    await call.accept([step("b")], QUICK);
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
    const call = new CheckpointedCall("job", store, 1_000, () => {});
    await call.accept([step("a")], QUICK);
    const inFlight = call.flush();
    await sleep(1);
    await call.accept([step("b")], QUICK);
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
    const stopped = new CheckpointedCall("job", store, 1_000, () => {});
    await stopped.accept([step("a")], QUICK);
    stopped.stop();
    let called = false;
    expect(await stopped.finish(async () => (called = true))).toBe(false);
    expect(called).toBe(false);

    const refused = new CheckpointedCall("job", store, 1_000, () => {});
    await refused.accept([step("a")], QUICK);
    expect(await refused.finish(async () => false)).toBe(false);
    expect(refused.stale).toBe(true);

    const failing = new CheckpointedCall("job", store, 1_000, () => {});
    await failing.accept([step("a")], QUICK);
    await expect(failing.finish(async () => Promise.reject(new Error("connection lost")))).rejects.toThrow("connection lost");
    const again: string[][] = [];
    expect(await failing.finish(async (steps) => (again.push(steps.map((s) => s.hashedId)), true))).toBe(true);
    expect(again).toEqual([["a"]]);
  });
});
