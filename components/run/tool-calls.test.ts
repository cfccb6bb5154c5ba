import { describe, expect, it } from "vitest";
import { approversText, callOf, editedArgs, resultValue, toolCallsOf } from "./tool-calls";
import type { RunObservation } from "./types";

let nextId = 1;
function obs(partial: Partial<RunObservation>): RunObservation {
  return { id: nextId++, runId: "r", nodeId: "n", attempt: 0, kind: "tool_call", text: "", data: null, tokensIn: 0, tokensOut: 0, at: new Date(0).toISOString(), ...partial };
}

describe("tool calls on the run page", () => {
  it("pairs each call with its answer by node and call id; an answer belongs to the latest call before it", () => {
    nextId = 1;
    const proposal = obs({ nodeId: "agent", data: { tool: "bank.transfer", args: { amount: 100 }, toolCallId: "c1", gated: true } });
    const lookup = obs({ nodeId: "agent", data: { tool: "shop.get", args: {}, toolCallId: "c0" } });
    const lookupResult = obs({ nodeId: "agent", kind: "tool_result", data: { tool: "shop.get", toolCallId: "c0", value: { ok: 1 } } });
    const other = obs({ nodeId: "note", data: { tool: "crm.add_note", args: {}, toolCallId: "c1" } });
    const approved = obs({ nodeId: "agent", data: { tool: "bank.transfer", args: { amount: 80 }, toolCallId: "c1", approvedBy: [{ id: "u1", name: "Avery" }] } });
    const answer = obs({ nodeId: "agent", kind: "tool_result", data: { tool: "bank.transfer", toolCallId: "c1", value: { ref: "tx" } } });
    const all = [proposal, lookup, lookupResult, other, approved, answer];
    expect(toolCallsOf(all, "agent")).toEqual([
      { call: lookup, result: lookupResult },
      { call: approved, result: answer },
    ]);
    expect(toolCallsOf(all, "note")).toEqual([{ call: other, result: null }]);
    expect(callOf(answer, all)).toBe(approved);
    expect(callOf(lookupResult, all)).toBe(lookup);
  });

  it("keeps a retried call's attempts, each with its own answer", () => {
    nextId = 1;
    const a0 = obs({ data: { tool: "crm.down", toolCallId: "k" } });
    const r0 = obs({ kind: "tool_result", data: { tool: "crm.down", toolCallId: "k", isError: true, error: "refused" } });
    const a1 = obs({ attempt: 1, data: { tool: "crm.down", toolCallId: "k" } });
    const r1 = obs({ attempt: 1, kind: "tool_result", text: "ok", data: { tool: "crm.down", toolCallId: "k", value: null } });
    expect(toolCallsOf([a0, r0, a1, r1], "n")).toEqual([
      { call: a0, result: r0 },
      { call: a1, result: r1 },
    ]);
    expect(resultValue(r0)).toBe("refused");
    expect(resultValue(r1)).toBe("ok");
  });

  it("names the approvers and the arguments they changed", () => {
    expect(approversText({ approvedBy: [{ id: "a", name: "Avery Approver" }] })).toBe("Avery Approver");
    expect(approversText({ approvedBy: [{ id: "a", name: "Ann" }, { id: "b", name: "Bob" }, { id: "c", name: "Cy" }] })).toBe("Ann, Bob and Cy");
    expect(approversText({})).toBeNull();
    expect(editedArgs({ edited: { amount: { from: 42.5, to: 35 } } })).toEqual([{ name: "amount", from: 42.5, to: 35 }]);
    expect(editedArgs(null)).toEqual([]);
  });
});
