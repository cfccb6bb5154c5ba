import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { citationInContext, knowledgeClauseIds } from "./citations";
import { deleteDocument, fileInput, uploadDocument } from "./documents";
import { searchKnowledge } from "./search";
import { makePdf, type Section } from "./testing/fixtures";

const V1: Section[] = [
  { heading: "CLM-1 Reporting damage", body: ["Report damage within 48 hours of delivery, with photos."] },
  { heading: "CLM-2 Replacement", body: ["A damaged appliance is replaced or refunded in full."] },
];
const V2: Section[] = [{ heading: "CLM-1 Reporting damage", body: ["Report damage within 7 days of delivery."] }];

describe.each(testDatabases())("citations of knowledge chunks on $name", (tdb) => {
  let database: Database;

  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("resolve to the exact text they cited, in its document version, after a re-upload changed or dropped it", async () => {
    await uploadDocument(database, await fileInput({ filename: "claims.pdf", bytes: makePdf("Claims", V1) }));
    // What a Worker cites: a search hit's chunk id, document id and version.
    const [hit] = await searchKnowledge(database, "report damage photos", 1);
    expect(hit).toMatchObject({ id: "CLM-1", version: 1, headingPath: ["Reporting damage"] });
    const cited = { clauseId: hit!.id, version: hit!.version, documentId: hit!.documentId };

    const v2 = await uploadDocument(database, await fileInput({ filename: "claims.pdf", bytes: makePdf("Claims", V2) }));
    expect(v2.document.version).toBe(2);

    const then = await citationInContext(database, cited);
    expect(then?.clause).toMatchObject({ id: "CLM-1", version: 1, current: false, documentTitle: "Claims", text: "Report damage within 48 hours of delivery, with photos." });
    // The document as it was at version 1, the cited chunk among its chunks.
    expect(then?.document.map((c) => [c.id, c.version, c.text])).toEqual([
      ["CLM-1", 1, "Report damage within 48 hours of delivery, with photos."],
      ["CLM-2", 1, "A damaged appliance is replaced or refunded in full."],
    ]);
    // A chunk version 2 dropped still resolves for what cited it.
    expect((await citationInContext(database, { ...cited, clauseId: "CLM-2" }))?.clause.text).toBe("A damaged appliance is replaced or refunded in full.");
    // Without a version: the current text, and the current document.
    const now = await citationInContext(database, { clauseId: "clm-1" });
    expect(now?.clause).toMatchObject({ version: 2, current: true, text: "Report damage within 7 days of delivery." });
    expect(now?.document.map((c) => c.id)).toEqual(["CLM-1"]);
    // Another document's id: not what was cited.
    expect(await citationInContext(database, { ...cited, documentId: "another-document" })).toBeNull();
    expect(await citationInContext(database, { ...cited, version: 9 })).toBeNull();
  });

  it("tells clauses of the knowledge base (and made-up ones of its documents) from other ids", async () => {
    expect([...(await knowledgeClauseIds(database, ["CLM-2", "clm-9.9", "ORD-1042", "HR-1"]))]).toEqual(["CLM-2", "CLM-9.9"]);
    expect(await knowledgeClauseIds(database, [])).toEqual(new Set());
  });

  it("a deleted document's citations resolve to nothing (the run keeps the cited text)", async () => {
    const [hit] = await searchKnowledge(database, "report damage", 1);
    await deleteDocument(database, hit!.documentId);
    expect(await citationInContext(database, { clauseId: "CLM-1", version: 1, documentId: hit!.documentId })).toBeNull();
  });
});
