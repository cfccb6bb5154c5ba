import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { createCollection } from "./collections";
import { fileInput, getClause, getDocument, listDocuments, previewDocument, uploadDocument, type UploadedFile } from "./documents";
import { makeDocx, makePdf, type Section } from "./testing/fixtures";

const WARRANTY: Section[] = [
  { heading: "WAR-1 Coverage", body: ["Every appliance is covered for two years on all parts.", "Labour is included in the first year."] },
  { heading: "WAR-2 Exclusions", body: ["Water damage and misuse are not covered."] },
];

const LEAVE: Section[] = [
  { heading: "Annual leave", body: ["Employees take 25 days of paid leave per year."] },
  { heading: "Sick leave", body: ["A doctor's note is needed after three days."] },
];

const upload = async (database: Database, file: UploadedFile) => uploadDocument(database, await fileInput(file));

describe.each(testDatabases())("uploading PDF, DOCX and HTML on $name", (tdb) => {
  let database: Database;

  beforeAll(async () => {
    database = await tdb.open();
    await createCollection(database, { slug: "hr", title: "HR handbook" });
  });
  afterAll(() => database?.close());

  it("previews a PDF's chunks with their heading paths and saves nothing", async () => {
    const preview = previewDocument(await fileInput({ filename: "Warranty.pdf", bytes: makePdf("Warranty", WARRANTY) }));
    expect(preview).toMatchObject({ slug: "warranty", title: "Warranty", format: "pdf" });
    expect(preview.clauses).toEqual([
      { id: "WAR-1", title: "Coverage", text: "Every appliance is covered for two years on all parts.\nLabour is included in the first year.", headingPath: ["Coverage"] },
      { id: "WAR-2", title: "Exclusions", text: "Water damage and misuse are not covered.", headingPath: ["Exclusions"] },
    ]);
    expect(await listDocuments(database)).toEqual([]);
  });

  it("uploads a PDF (text layer) and a DOCX into a collection, split at their headings", async () => {
    const pdf = await upload(database, { filename: "Warranty.pdf", bytes: makePdf("Warranty", WARRANTY) });
    expect(pdf).toMatchObject({ outcome: "created", clauseIds: ["WAR-1", "WAR-2"], document: { slug: "warranty", format: "pdf", version: 1, collection: "policies" } });

    const docx = await upload(database, { filename: "Leave policy.docx", bytes: await makeDocx("Leave policy", LEAVE), collection: "hr" });
    expect(docx.document).toMatchObject({ slug: "leave-policy", title: "Leave policy", format: "docx", collection: "hr", clauseCount: 2 });
    const doc = await getDocument(database, "leave-policy");
    expect(doc.clauses.map((c) => [c.title, c.text, c.headingPath])).toEqual([
      ["Annual leave", "Employees take 25 days of paid leave per year.", ["Annual leave"]],
      ["Sick leave", "A doctor's note is needed after three days.", ["Sick leave"]],
    ]);
  });

  it("uploads HTML, dropping scripts and keeping nested headings in the path", async () => {
    const html = `<html><head><title>x</title><script>alert(1)</script></head><body><h1>Returns</h1><h2>Shipping</h2><h3>RET-1 Labels</h3><p>We send a <b>free</b> label.</p><script>steal()</script></body></html>`;
    const res = await upload(database, { filename: "returns.html", bytes: Buffer.from(html) });
    const doc = await getDocument(database, res.document.id);
    expect(doc.format).toBe("html");
    expect(doc.clauses).toEqual([expect.objectContaining({ id: "RET-1", title: "Labels", text: "We send a **free** label.", headingPath: ["Shipping", "Labels"] })]);
    expect(doc.source).not.toContain("steal");
  });

  it("re-upload makes a new version; the old version's text still resolves for its citations", async () => {
    const changed = [{ heading: "WAR-1 Coverage", body: ["Every appliance is covered for three years on all parts."] }];
    const v2 = await upload(database, { filename: "Warranty.pdf", bytes: makePdf("Warranty", changed) });
    expect(v2).toMatchObject({ outcome: "replaced", clauseIds: ["WAR-1"], document: { version: 2 } });

    expect(await getClause(database, "WAR-1")).toMatchObject({ version: 2, current: true, text: "Every appliance is covered for three years on all parts." });
    expect(await getClause(database, "WAR-1", 1)).toMatchObject({ version: 1, current: false, text: expect.stringContaining("two years"), headingPath: ["Coverage"] });
    // A clause the new version dropped: gone now, still there for what cited version 1.
    expect(await getClause(database, "WAR-2")).toBeNull();
    expect(await getClause(database, "WAR-2", 1)).toMatchObject({ title: "Exclusions", documentTitle: "Warranty", current: false });
    expect(await getClause(database, "WAR-2", 7)).toBeNull();
    // The same file again: no new version.
    expect((await upload(database, { filename: "Warranty.pdf", bytes: makePdf("Warranty", changed) })).outcome).toBe("unchanged");
    expect((await getDocument(database, "warranty")).version).toBe(2);
  });

  it("refuses bad files with a message naming the file, and changes nothing", async () => {
    const before = await listDocuments(database);
    const refusal = async (file: UploadedFile) => {
      const e = await upload(database, file).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "bad_request", problems: [{ path: "file" }] });
      return (e as { problems: { message: string }[] }).problems[0]?.message;
    };
    expect(await refusal({ filename: "budget.xlsx", bytes: Buffer.from("PK") })).toBe(
      "budget.xlsx is not a supported type: upload Markdown (.md), plain text (.txt), HTML (.html), PDF (.pdf) or Word (.docx)",
    );
    expect(await refusal({ filename: "empty.pdf", bytes: new Uint8Array(0) })).toBe("empty.pdf is empty");
    expect(await refusal({ filename: "secret.pdf", bytes: makePdf("Secret", WARRANTY, { encrypted: true }) })).toBe(
      "secret.pdf is encrypted (password-protected): upload a copy without a password",
    );
    expect(await refusal({ filename: "huge.pdf", bytes: new Uint8Array(50 * 1024 * 1024) })).toBe("huge.pdf is 50.0 MB: files may be at most 10 MB");
    expect(await refusal({ filename: "fake.pdf", bytes: Buffer.from("not a pdf at all") })).toBe("fake.pdf is not a readable PDF");
    expect(await refusal({ filename: "fake.docx", bytes: Buffer.from("not a zip") })).toBe("fake.docx is not a readable Word (.docx) document");
    expect(await refusal({ filename: "blank.html", bytes: Buffer.from("<html><body><script>x()</script></body></html>") })).toBe("blank.html has no text");
    expect(await listDocuments(database)).toEqual(before);
  });
});
