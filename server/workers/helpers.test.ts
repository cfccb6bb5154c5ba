import { describe, expect, it } from "vitest";
import { bareClause, citedClauses, clauseIdsIn, clausesIn } from "./citations";
import { WorkerObserver } from "./observer";
import { finalAnswerOutput, finalAnswerProblem } from "./output-schema";
import { appendResumedResult, NOT_RUN_MESSAGE, pendingToolCalls } from "./transcript";

const OUTPUTS = [
  { name: "decision", type: "enum" as const, values: ["approve", "partial", "deny"], description: "" },
  { name: "amount", type: "number" as const, description: "" },
  { name: "ok", type: "boolean" as const, description: "" },
];

describe("final answer output", () => {
  const output = finalAnswerOutput(OUTPUTS)!;
  const context = { response: { id: "r", modelId: "m", timestamp: new Date(0) }, usage: {} as never, finishReason: "stop" as const };
  const problem = (text: string) => output.parseCompleteOutput({ text }, context).then(() => "parsed", finalAnswerProblem);

  it("reads a JSON object with every declared field through the SDK", async () => {
    const want = { decision: "partial", amount: 42.5, ok: true };
    await expect(output.parseCompleteOutput({ text: JSON.stringify({ ...want, extra: 1 }) }, context)).resolves.toEqual(want);
  });

  it("names each wrong or missing field, and says when there is no JSON object", async () => {
    const r = await problem('{"decision": "maybe", "amount": "42"}');
    expect(r).toContain('decision: must be one of "approve", "partial", "deny"');
    expect(r).toContain("amount: must be a number");
    expect(r).toContain("ok: must be true or false");
    expect(await problem("[1, 2]")).toBe("the final answer is not a JSON object");
    expect(await problem("I think a partial refund is fair.")).toBe("the final answer is not a JSON object");
    expect(finalAnswerProblem(new Error("network down"))).toBeUndefined();
  });

  it("is not used for a Worker that declares no fields", () => {
    expect(finalAnswerOutput([])).toBeUndefined();
  });
});

describe("citations", () => {
  it("finds clause ids with titles, documents, versions and texts in structured results, else in text", () => {
    const hit = { id: "REF-2.2", title: "Opened items", text: "50% back.", documentId: "d1", document: "Refund policy", version: 3, headingPath: ["Refunds", "Opened items"] };
    expect(clausesIn(JSON.stringify({ results: [hit, { clauseId: "SHIP-1", heading: "Shipping" }] }))).toEqual([
      { clauseId: "REF-2.2", title: "Opened items", text: "50% back.", documentId: "d1", document: "Refund policy", version: 3, headingPath: ["Refunds", "Opened items"] },
      { ...bareClause("SHIP-1"), title: "Shipping" },
    ]);
    expect(clausesIn("See REF-2.1 and REF-2.2 for details.")).toEqual([bareClause("REF-2.1"), bareClause("REF-2.2")]);
  });

  it("cites only what the answer mentions, exactly", () => {
    const clauses = [
      { ...bareClause("REF-2.2"), title: "a" },
      { ...bareClause("REF-2.1"), title: "b" },
      { ...bareClause("REF-2"), title: "c" },
    ];
    expect(citedClauses(clauses, "Under REF-2.2 the refund is 50%.")).toEqual([{ ...bareClause("REF-2.2"), title: "a" }]);
    expect(citedClauses(clauses, "Clause REF-2.20 does not exist")).toEqual([]);
  });

  it("cites in the order the answer first names the clauses, not the order the search ranked them", () => {
    const ranked = [bareClause("REF-1.1"), bareClause("REF-1.2")];
    const answer = '{"policyClause":"REF-1.2"}\nOpened, so REF-1.2 applies rather than REF-1.1.';
    expect(citedClauses(ranked, answer).map((c) => c.clauseId)).toEqual(["REF-1.2", "REF-1.1"]);
  });

  it("lists every clause-shaped id an answer mentions, once", () => {
    expect(clauseIdsIn("Under REF-2.2 (not REF-2.20, see REF-2.2) and HR-1.")).toEqual(["REF-2.2", "REF-2.20", "HR-1"]);
  });
});

describe("WorkerObserver", () => {
  it("batches deltas by size and kind, keeping order with other rows", async () => {
    const rows: Array<{ kind: string; text?: string }> = [];
    const o = new WorkerObserver(async (x) => void rows.push(x), { flushMs: 10_000, flushChars: 10 });
    for (const d of ["abc", "def", "ghij", "kl"]) o.delta("reasoning", 0, d);
    o.delta("text", 0, "xyz");
    o.record({ kind: "tool_call", text: "t" });
    o.delta("text", 1, "after");
    await o.close();
    expect(rows).toEqual([
      { kind: "reasoning", text: "abcdefghij", data: { step: 0 } },
      { kind: "reasoning", text: "kl", data: { step: 0 } },
      { kind: "text", text: "xyz", data: { step: 0 } },
      { kind: "tool_call", text: "t" },
      { kind: "text", text: "after", data: { step: 1 } },
    ]);
  });

  it("flushes on a timer and reports a failed write at close", async () => {
    const rows: string[] = [];
    const o = new WorkerObserver(async (x) => void rows.push(x.text ?? ""), { flushMs: 20, flushChars: 1_000 });
    o.delta("text", 0, "soon");
    await new Promise((r) => setTimeout(r, 60));
    expect(rows).toEqual(["soon"]);
    await o.close();

    const failing = new WorkerObserver(async () => {
      throw new Error("database is gone");
    });
    failing.record({ kind: "status", text: "x" });
    await expect(failing.close()).rejects.toThrow("database is gone");
  });
});

describe("resuming a transcript", () => {
  it("answers the decided call and marks other unanswered calls as not run", () => {
    const messages = [
      {
        role: "assistant" as const,
        content: [
          { type: "tool-call" as const, toolCallId: "a", toolName: "commerce_issue_refund", input: { amount: 1 } },
          { type: "tool-call" as const, toolCallId: "b", toolName: "commerce_cancel_order", input: {} },
          { type: "tool-call" as const, toolCallId: "c", toolName: "commerce_get_order", input: {} },
        ],
      },
      { role: "tool" as const, content: [{ type: "tool-result" as const, toolCallId: "c", toolName: "commerce_get_order", output: { type: "text" as const, value: "{}" } }] },
    ];
    expect(pendingToolCalls(messages).map((p) => p.toolCallId)).toEqual(["a", "b"]);
    const resumed = appendResumedResult(messages, { toolCallId: "a", output: "rejected: too much", isError: true });
    if (typeof resumed === "string") throw new Error(resumed);
    expect(resumed).toHaveLength(2);
    expect(resumed[1]).toEqual({
      role: "tool",
      content: [
        messages[1]!.content[0],
        { type: "tool-result", toolCallId: "a", toolName: "commerce_issue_refund", output: { type: "error-text", value: "rejected: too much" } },
        { type: "tool-result", toolCallId: "b", toolName: "commerce_cancel_order", output: { type: "error-text", value: NOT_RUN_MESSAGE } },
      ],
    });
    expect(pendingToolCalls(resumed)).toEqual([]);
  });
});
