import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clausePrefix, detectFormat, slugify, splitDocument, SplitError } from "./split";

const refundPolicy = fs.readFileSync(path.join(process.cwd(), "demo/knowledge/refund-policy.md"), "utf8");

describe("splitDocument on Markdown", () => {
  it("keeps clause ids written in headings, with the title and text under each", () => {
    const doc = splitDocument({ slug: "refund-policy", content: refundPolicy, format: "markdown" });
    expect(doc.title).toBe("Refund policy");
    expect(doc.clauses.map((c) => c.id)).toEqual(["REF-1.1", "REF-1.2", "REF-1.3", "REF-1.4", "REF-2.1", "REF-2.2", "REF-3.1", "REF-3.2", "REF-3.3", "REF-4.1", "REF-4.2", "REF-4.3"]);
    const c = doc.clauses[1];
    expect(c).toEqual({
      id: "REF-1.2",
      title: "Partial refund from 15 to 30 days, or for opened items",
      text: "Items returned 15 to 30 days after delivery, and items that were opened or used (returned within 30 days of delivery), are eligible for a partial refund of 50% of the item price.",
      headingPath: ["Returns and timing", "Partial refund from 15 to 30 days, or for opened items"],
    });
  });

  it("prefixes section numbers with the document's letters", () => {
    const doc = splitDocument({
      slug: "shipping-policy",
      format: "markdown",
      content: "# Shipping\n\n## 1 Zones\n\n### 1.1 Domestic\nTwo days.\n\n### 1.2: Abroad\nFive days.\n\n## 2. Costs\nFree above 50 EUR.\n",
    });
    expect(doc.clauses.map((c) => [c.id, c.title, c.text])).toEqual([
      ["SP-1.1", "Domestic", "Two days."],
      ["SP-1.2", "Abroad", "Five days."],
      ["SP-2", "Costs", "Free above 50 EUR."],
    ]);
    expect(doc.clauses[0]?.headingPath).toEqual(["Zones", "Domestic"]);
  });

  it("derives stable ids from the slug and heading path: the same document always gets the same ids", () => {
    const content = "# Warranty\n\n## Coverage\n\nTwo years on all parts.\n\n## Exclusions\n\n### Water damage\n\nNot covered.\n\n### Wear\n\nNot covered either.\n";
    const a = splitDocument({ slug: "warranty", content, format: "markdown" });
    const b = splitDocument({ slug: "warranty", content, format: "markdown" });
    expect(a.clauses.map((c) => c.id)).toEqual(b.clauses.map((c) => c.id));
    for (const c of a.clauses) expect(c.id).toMatch(/^WARR-\d{4}$/);
    expect(new Set(a.clauses.map((c) => c.id)).size).toBe(3);

    // Editing one section, adding another before it and changing heading case keeps every other id.
    const edited = content.replace("Two years on all parts.", "Three years on all parts.").replace("## Coverage", "## Returns\n\nThirty days.\n\n## COVERAGE");
    const c = splitDocument({ slug: "warranty", content: edited, format: "markdown" });
    const ids = new Map(c.clauses.map((x) => [x.title.toLowerCase(), x.id]));
    for (const x of a.clauses) expect(ids.get(x.title.toLowerCase())).toBe(x.id);
    // Another document with the same headings gets other ids.
    const other = splitDocument({ slug: "warranty-eu", content, format: "markdown" });
    expect(other.clauses.map((x) => x.id).some((id) => a.clauses.some((y) => y.id === id))).toBe(false);
  });

  it("ids fit the shape Workers' citations look for", () => {
    const shape = /^[A-Z][A-Z0-9]{1,9}-\d+(?:\.\d+)*$/;
    const doc = splitDocument({ slug: "a", content: "## One\nx\n## 2.3 Two\ny", format: "markdown" });
    for (const c of doc.clauses) expect(c.id).toMatch(shape);
    expect(clausePrefix("data-protection-policy")).toBe("DPP");
    expect(clausePrefix("2024-terms")).toBe("K2T");
    expect(clausePrefix("x")).toBe("XD");
  });

  it("treats a heading with no text as a section name, and ignores # lines inside code fences", () => {
    const doc = splitDocument({
      slug: "ops",
      format: "markdown",
      content: "## Runbook\n\n### Restart\n\nRun this:\n\n```sh\n# not a heading\nsystemctl restart shop\n```\n\nThen check.\n",
    });
    expect(doc.title).toBe("Ops");
    expect(doc.clauses).toHaveLength(1);
    expect(doc.clauses[0]?.title).toBe("Restart");
    expect(doc.clauses[0]?.text).toContain("# not a heading");
    expect(doc.clauses[0]?.headingPath).toEqual(["Runbook", "Restart"]);
  });

  it("reads setext headings and strips inline Markdown from titles", () => {
    const doc = splitDocument({ slug: "faq", format: "markdown", content: "Delivery **times**\n------------------\nUsually [two days](https://x).\n\n`Returns`\n---\nWithin 14 days.\n" });
    expect(doc.clauses.map((c) => c.title)).toEqual(["Delivery times", "Returns"]);
  });

  it("keeps text before the first heading as a clause titled after the document", () => {
    const doc = splitDocument({ slug: "terms", title: "Terms", format: "markdown", content: "These terms apply to all orders.\n\n## 1 Payment\nUp front.\n" });
    expect(doc.clauses.map((c) => [c.id, c.title])).toEqual([
      [expect.stringMatching(/^TERM-\d{4}$/), "Terms"],
      ["TERM-1", "Payment"],
    ]);
  });

  it("refuses two clauses with the same written id, and a document without text", () => {
    expect(() => splitDocument({ slug: "dup", format: "markdown", content: "## REF-1 A\nx\n## REF-1 B\ny" })).toThrow(/two clauses have the id REF-1/);
    const err = (() => {
      try {
        splitDocument({ slug: "empty", format: "markdown", content: "# Only a title\n\n## And a heading\n" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SplitError);
    expect(err).toMatchObject({ field: "content" });
  });
});

describe("splitDocument on plain text", () => {
  it("uses short unpunctuated lines and numbered lines as headings", () => {
    const doc = splitDocument({
      slug: "returns",
      format: "text",
      content: "Returns\nItems may be returned within 30 days.\n\nThey must be unused.\n\n2.1 Damaged items\nDamaged items are refunded in full.\n",
    });
    expect(doc.clauses.map((c) => [c.id, c.title, c.text])).toEqual([
      [expect.stringMatching(/^RETU-\d{4}$/), "Returns", "Items may be returned within 30 days.\n\nThey must be unused."],
      ["RETU-2.1", "Damaged items", "Damaged items are refunded in full."],
    ]);
  });

  it("titles headless paragraphs by their first sentence", () => {
    const doc = splitDocument({ slug: "note", format: "text", content: "We ship worldwide. Customs are paid by the customer.\n" });
    expect(doc.clauses).toEqual([{ id: expect.stringMatching(/^NOTE-\d{4}$/), title: "We ship worldwide", text: "We ship worldwide. Customs are paid by the customer.", headingPath: ["We ship worldwide"] }]);
  });

  it("splits a Markdown file without headings like plain text", () => {
    const doc = splitDocument({ slug: "plain", format: "markdown", content: "REF-9.1 Gift cards\nGift cards are not refundable.\r\n" });
    expect(doc.clauses.map((c) => [c.id, c.title, c.text])).toEqual([["REF-9.1", "Gift cards", "Gift cards are not refundable."]]);
  });
});

describe("slugify and detectFormat", () => {
  it("make file names and titles into slugs", () => {
    expect(slugify("Refund Policy.md")).toBe("refund-policy");
    expect(slugify("  Crème brûlée — FAQ (2024) ")).toBe("creme-brulee-faq-2024");
    expect(slugify("!!!")).toBe("");
  });

  it("detects Markdown by extension or headings", () => {
    expect(detectFormat("a.md", "x")).toBe("markdown");
    expect(detectFormat("a.txt", "# x")).toBe("text");
    expect(detectFormat(undefined, "intro\n## Heading\ntext")).toBe("markdown");
    expect(detectFormat(undefined, "just words")).toBe("text");
  });
});
