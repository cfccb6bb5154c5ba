import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { deleteDocument, getClause, getDocument, listDocuments, uploadDocument } from "./documents";
import { KnowledgeError } from "./errors";
import { listCollections } from "./collections";
import { seedDemoKnowledge } from "./demo";
import { searchKnowledge } from "./search";

const SHIPPING = `# Shipping policy

## 1 Delivery

### 1.1 Domestic delivery
Orders within the country are delivered in two business days by tracked courier.

### 1.2 International delivery
Orders abroad are delivered in five to ten business days; customs duties are paid by the customer.

## Lost parcels
A parcel that has not arrived 15 days after dispatch is treated as lost and is replaced or refunded in full.
`;

describe.each(testDatabases())("enterprise knowledge on $name", (tdb) => {
  let database: Database;

  beforeAll(async () => {
    database = await tdb.open();
    await database.db.execute(sql`insert into "user" (id, name, email) values ('admin-1', 'Ada', 'ada@example.test')`);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("seeds the demo refund policy with its clause ids into the policies collection, granted to every mission", async () => {
    expect(await seedDemoKnowledge(database)).toEqual({ uploaded: ["refund-policy"] });
    expect(await seedDemoKnowledge(database)).toEqual({ uploaded: [] });
    const [doc] = await listDocuments(database);
    expect(doc).toMatchObject({ slug: "refund-policy", title: "Refund policy", collection: "policies", format: "markdown", clauseCount: 12 });
    const clauses = (await getDocument(database, "refund-policy")).clauses;
    expect(clauses.map((c) => c.id)).toEqual(["REF-1.1", "REF-1.2", "REF-1.3", "REF-1.4", "REF-2.1", "REF-2.2", "REF-3.1", "REF-3.2", "REF-3.3", "REF-4.1", "REF-4.2", "REF-4.3"]);
    expect(clauses[0]).toMatchObject({
      id: "REF-1.1",
      title: "Full refund within 14 days",
      text: "Items returned unused and in their original packaging within 14 days of delivery are eligible for a full refund of the item price.",
      documentTitle: "Refund policy",
      collection: "policies",
    });
    expect((await listCollections(database)).find((c) => c.slug === "policies")).toMatchObject({ documentCount: 1, grants: ["*"] });
  });

  it("uploads a Markdown document, names it from the file, and shows its clauses", async () => {
    const res = await uploadDocument(database, { content: SHIPPING, filename: "Shipping Policy.md" }, { id: "admin-1", label: "ada@example.test" });
    expect(res.outcome).toBe("created");
    expect(res.document).toMatchObject({ slug: "shipping-policy", title: "Shipping policy", clauseCount: 3, updatedBy: "ada@example.test" });
    expect(res.clauseIds.slice(0, 2)).toEqual(["SP-1.1", "SP-1.2"]);
    expect(res.clauseIds[2]).toMatch(/^SP-\d{4}$/);
    const doc = await getDocument(database, "shipping-policy");
    expect(doc.source).toBe(SHIPPING);
    expect(doc.clauses.map((c) => [c.id, c.title, c.headingPath])).toEqual([
      ["SP-1.1", "Domestic delivery", ["Delivery", "Domestic delivery"]],
      ["SP-1.2", "International delivery", ["Delivery", "International delivery"]],
      [res.clauseIds[2], "Lost parcels", ["Lost parcels"]],
    ]);
    expect(await getClause(database, "sp-1.2")).toMatchObject({ id: "SP-1.2", documentTitle: "Shipping policy", documentSlug: "shipping-policy" });
    const [audit] = await database.rows<{ action: string; target_id: string }>(sql`select action, target_id from audit_log where action like 'knowledge.%' and actor_id = 'admin-1'`);
    expect(audit).toEqual({ action: "knowledge.document_uploaded", target_id: doc.id });
  });

  it("re-uploading the same document keeps its clause ids; a changed one replaces its clauses", async () => {
    const before = await getDocument(database, "shipping-policy");
    const again = await uploadDocument(database, { content: SHIPPING, filename: "shipping-policy.md" }, null);
    expect(again.outcome).toBe("unchanged");
    expect(again.clauseIds).toEqual(before.clauses.map((c) => c.id));

    const edited = SHIPPING.replace("two business days", "one business day").replace("## Lost parcels", "## Returns\nSend it back within 30 days.\n\n## Lost parcels");
    const replaced = await uploadDocument(database, { content: edited, title: "Shipping policy", slug: "shipping-policy" }, null);
    expect(replaced.outcome).toBe("replaced");
    expect(replaced.document.id).toBe(before.id);
    const after = await getDocument(database, before.id);
    expect(after.clauses.map((c) => c.id)).toEqual([before.clauses[0]?.id, before.clauses[1]?.id, expect.stringMatching(/^SP-\d{4}$/), before.clauses[2]?.id]);
    expect(after.clauses[0]?.text).toContain("one business day");
  });

  it("ranks clauses with Postgres full-text search, titles above text", async () => {
    const lost = await searchKnowledge(database, "my parcel never arrived, is it lost?");
    expect(lost[0]).toMatchObject({ title: "Lost parcels", documentTitle: "Shipping policy" });
    expect(lost[0]?.score).toBeGreaterThan(0);
    for (let i = 1; i < lost.length; i++) expect(lost[i - 1]!.score).toBeGreaterThanOrEqual(lost[i]!.score);

    expect((await searchKnowledge(database, "unused item returned within 14 days"))[0]?.id).toBe("REF-1.1");
    expect((await searchKnowledge(database, "it arrived damaged"))[0]?.id).toBe("REF-2.1");
    const customs = await searchKnowledge(database, "who pays customs duties abroad");
    expect(customs[0]?.id).toBe("SP-1.2");
    // Stemming: "refunds" and "refunded" find "refund"; at most `limit` results.
    const refunds = await searchKnowledge(database, "refunds", 3);
    expect(refunds).toHaveLength(3);
    expect(refunds.every((r) => /refund/i.test(r.title + r.text))).toBe(true);
    // Stop words only, or nothing: every clause in document order.
    const all = await searchKnowledge(database, "the of and", 50);
    expect(all.map((c) => c.id).slice(0, 3)).toEqual(["REF-1.1", "REF-1.2", "REF-1.3"]);
    expect(all.every((c) => c.score === 0)).toBe(true);
    expect(await searchKnowledge(database, "zyzzyva")).toEqual([]);
    // Punctuation cannot break the query syntax.
    expect(await searchKnowledge(database, "refund' | & ! ( :*")).not.toHaveLength(0);
  });

  it("finds clauses by the headings above them, below a clause whose title says it", async () => {
    // "timing" is in no clause of the refund policy, only in its section heading "Returns and
    // timing" (REF-1.x) and, stemmed, in the title "Processing time" (REF-4.1).
    const hits = await searchKnowledge(database, "timing", 10);
    expect(hits[0]?.id).toBe("REF-4.1");
    expect(hits.slice(1).map((h) => h.id).sort()).toEqual(["REF-1.1", "REF-1.2", "REF-1.3", "REF-1.4"]);
  });

  it("uses the GIN index for the search", async () => {
    await database.db.execute(sql`set enable_seqscan = off`);
    const plan = await database.rows<Record<string, string>>(sql`explain select id from knowledge_clause where search @@ to_tsquery('simple', 'refund')`);
    await database.db.execute(sql`set enable_seqscan = on`);
    expect(plan.map((r) => Object.values(r).join(" ")).join("\n")).toMatch(/knowledge_clause_search/);
  });

  it("refuses clause ids another document uses, bad input, and names the field", async () => {
    const clash = await uploadDocument(database, { content: "## REF-1.1 Mine\nA different rule.", title: "Copy" }, null).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(KnowledgeError);
    expect(clash).toMatchObject({ code: "conflict", problems: [{ path: "content", message: expect.stringContaining("REF-1.1 is already in “Refund policy”") }] });
    expect((await listDocuments(database)).map((d) => d.slug)).not.toContain("copy");

    const empty = await uploadDocument(database, { content: "   \n" }, null).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: "bad_request", problems: [{ path: "content", message: "must not be empty" }] });
    const untitled = await uploadDocument(database, { content: "Just a sentence." }, null).catch((e: unknown) => e);
    expect(untitled).toMatchObject({ code: "bad_request", problems: [{ path: "title" }] });
    const huge = await uploadDocument(database, { content: "x".repeat(500_001), title: "Huge" }, null).catch((e: unknown) => e);
    expect(huge).toMatchObject({ problems: [{ path: "content", message: "must be at most 500,000 characters" }] });
    const noText = await uploadDocument(database, { content: "# Title only\n## Heading only\n", title: "T" }, null).catch((e: unknown) => e);
    expect(noText).toMatchObject({ problems: [{ path: "content", message: "has no text to split into clauses" }] });
  });

  it("takes plain text pasted with a title", async () => {
    const res = await uploadDocument(database, { content: "Gift cards\nGift cards cannot be refunded or exchanged for cash.\n", title: "Gift cards" }, null);
    expect(res.document).toMatchObject({ slug: "gift-cards", format: "text", clauseCount: 1 });
    expect((await searchKnowledge(database, "gift card cash"))[0]?.id).toBe(res.clauseIds[0]);
  });

  it("deletes a document with its clauses", async () => {
    const doc = await getDocument(database, "gift-cards");
    await deleteDocument(database, doc.id, { id: "admin-1" });
    expect(await getClause(database, doc.clauses[0]!.id)).toBeNull();
    expect((await searchKnowledge(database, "gift card cash")).map((h) => h.documentTitle)).not.toContain("Gift cards");
    await expect(deleteDocument(database, doc.id, null)).rejects.toMatchObject({ code: "not_found" });
    await expect(getDocument(database, "gift-cards")).rejects.toMatchObject({ code: "not_found" });
  });
});
