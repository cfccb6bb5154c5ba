import { describe, expect, it } from "vitest";
import { ago, dueIn, shortId } from "./format";
import { citationsOf, joinChunks, type ReasoningRow } from "./reasoning";

const row = (id: number, kind: string, text: string, data: unknown = { step: 0 }, nodeId = "ground"): ReasoningRow => ({ id, nodeId, attempt: 0, kind, text, data });

describe("decision reasoning helpers", () => {
  it("joins a turn's streamed chunks into one paragraph, and nothing else", () => {
    const joined = joinChunks([
      row(1, "reasoning", "The customer asks "),
      row(2, "reasoning", "for a refund."),
      row(3, "tool_call", "commerce.get_order"),
      row(4, "reasoning", "Next turn.", { step: 1 }),
      row(5, "reasoning", " Still it.", { step: 1 }),
      row(6, "reasoning", "Another node.", { step: 1 }, "reason"),
      row(7, "text", "{}", { step: 1 }, "reason"),
    ]);
    expect(joined.map((o) => [o.id, o.kind, o.text])).toEqual([
      [1, "reasoning", "The customer asks for a refund."],
      [3, "tool_call", "commerce.get_order"],
      [4, "reasoning", "Next turn. Still it."],
      [6, "reasoning", "Another node."],
      [7, "text", "{}"],
    ]);
  });

  it("lists each cited clause once, in order", () => {
    expect(
      citationsOf([row(1, "citation", "REF-1.2", { clauseId: "REF-1.2", title: "Opened items" }), row(2, "reasoning", "x"), row(3, "citation", "REF-1.2", { clauseId: "REF-1.2" }), row(4, "citation", "REF-9", {})]),
    ).toMatchObject([
      { clauseId: "REF-1.2", title: "Opened items", retrieval: { kind: "never" } },
      { clauseId: "REF-9", title: null, retrieval: { kind: "never" } },
    ]);
  });

  it("fills a citation in from the search that returned it, and flags one no search returned", () => {
    const hit = { id: "CLM-1", title: "Reporting damage", text: "Within 48 hours.", document: "Claims", documentId: "d1", version: 2, headingPath: ["Reporting damage"] };
    const rows = [
      row(1, "tool_result", "", { tool: "knowledge.search_policies", isError: false, value: { clauses: [hit] } }),
      { ...row(2, "citation", "CLM-1", { clauseId: "CLM-1" }), nodeId: "reason" },
      row(3, "citation", "CLM-1", { clauseId: "CLM-1", version: 2, documentId: "d1", text: "Within 48 hours." }),
      row(4, "citation", "CLM-9", { clauseId: "CLM-9" }),
    ];
    expect(citationsOf(rows)).toMatchObject([
      { clauseId: "CLM-1", retrieval: { kind: "upstream" }, chunk: { document: "Claims", version: 2, text: "Within 48 hours." } },
      { clauseId: "CLM-9", retrieval: { kind: "never" }, chunk: { text: null } },
    ]);
  });

  it("says times relative to now", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(ago("2026-11-25T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-25T11:55:00Z", now)).toBe("5 min ago");
    expect(dueIn("2026-11-28T12:00:00Z", now)).toEqual({ text: "due in 3 days", overdue: false, soon: false });
    expect(dueIn("2026-11-25T12:30:00Z", now)).toEqual({ text: "due in 30 min", overdue: false, soon: true });
    expect(dueIn("2026-11-25T11:00:00Z", now)).toEqual({ text: "overdue by 1 h", overdue: true, soon: true });
    expect(dueIn(null, now)).toBeNull();
    expect(shortId("7ed0cd2e-0000-4000-8000-000000000000")).toBe("7ed0cd2e");
  });
});
