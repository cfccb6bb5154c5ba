import { describe, expect, it } from "vitest";
import { citationHref, resolvedCitation, retrievalOf, type CitationRow } from "./citations";

const hit = { id: "CLM-1", title: "Reporting damage", text: "Report within 48 hours.", document: "Claims", documentId: "doc-1", version: 2, headingPath: ["Claims", "Reporting damage"] };
const search = (id: number, nodeId: string, clauses: unknown[], isError = false): CitationRow => ({
  id,
  nodeId,
  kind: "tool_result",
  text: "",
  data: { tool: "knowledge.search_policies", isError, value: { clauses } },
});
const cite = (id: number, nodeId: string, data: Record<string, unknown>): CitationRow => ({ id, nodeId, kind: "citation", text: String(data.clauseId), data });

describe("citation retrieval", () => {
  it("a chunk the citing Worker's own search returned (same id and version) is retrieved", () => {
    const rows = [search(1, "ground", [hit]), cite(2, "ground", { clauseId: "CLM-1", version: 2, documentId: "doc-1" })];
    expect(retrievalOf(rows[1]!, rows)).toMatchObject({ kind: "self", chunk: { clauseId: "CLM-1", text: "Report within 48 hours." } });
  });

  it("a chunk another Worker retrieved earlier in the run is upstream; nobody's is never retrieved", () => {
    const rows = [search(1, "ground", [hit]), cite(2, "reason", { clauseId: "CLM-1" }), cite(3, "reason", { clauseId: "CLM-7" })];
    const upstream = resolvedCitation(rows[1]!, rows);
    expect(upstream.retrieval).toMatchObject({ kind: "upstream", nodeId: "ground" });
    // Filled in from what the search returned.
    expect(upstream.chunk).toMatchObject({ document: "Claims", version: 2, text: "Report within 48 hours.", headingPath: ["Claims", "Reporting damage"] });
    expect(retrievalOf(rows[2]!, rows)).toEqual({ kind: "never" });
  });

  it("another version, a failed search, a non-knowledge tool or a later search does not count", () => {
    const rows: CitationRow[] = [
      search(1, "ground", [{ ...hit, version: 1 }]),
      search(2, "ground", [hit], true),
      { id: 3, nodeId: "ground", kind: "tool_result", text: "", data: { tool: "commerce.get_order", value: { clauses: [hit] } } },
      cite(4, "ground", { clauseId: "CLM-1", version: 2 }),
      search(5, "ground", [hit]),
    ];
    expect(retrievalOf(rows[3]!, rows)).toEqual({ kind: "never" });
  });

  it("links to the chunk at its version inside its document", () => {
    expect(citationHref({ clauseId: "CLM-1", version: 2, documentId: "doc-1" })).toBe("/knowledge/clauses/CLM-1?v=2&doc=doc-1#clause-CLM-1");
    expect(citationHref({ clauseId: "REF-1.2", version: null, documentId: null })).toBe("/knowledge/clauses/REF-1.2#clause-REF-1.2");
  });
});
