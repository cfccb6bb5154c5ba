// Splits a policy document into clauses with stable ids.
//
// Deliberately free of `server-only` and of any import: the demo `knowledge` MCP server (a plain
// Node process outside Next) parses the built-in policy with this same code, so the clauses it
// serves before the app has exported any are exactly the ones an upload would produce.

/** How a document's text is split: the formats with headings (HTML, PDF, DOCX) arrive as Markdown. */
export type KnowledgeFormat = "markdown" | "text";

export interface SplitClause {
  /** Stable id, shaped like `REF-1.2` so Workers' citations recognise it. */
  id: string;
  title: string;
  text: string;
  /** Titles of the enclosing headings, outermost first, ending with this clause's own. */
  headingPath: string[];
}

export interface SplitDocument {
  title: string;
  clauses: SplitClause[];
}

export class SplitError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "SplitError";
  }
}

/** A clause id written in the heading, e.g. `REF-1.2 Partial refund` or `REF-1.2: Partial refund`. */
const EXPLICIT_ID = /^([A-Z][A-Z0-9]{1,9}-\d+(?:\.\d+)*)(?![\w.-])[\s.:)\u2013\u2014-]*(.*)$/;
/** A section number written in the heading, e.g. `1.2 Partial refund` or `3. Shipping`. */
const NUMBERED = /^(\d{1,4}(?:\.\d{1,4})*)\.?(?:[\s:)\u2013\u2014-]+(.*))?$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Lowercase ASCII words joined by dashes, at most 60 characters: a document's identity. */
export function slugify(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\.(md|markdown|txt|text|html?|pdf|docx)$/, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

/**
 * The letters in front of derived and section-numbered ids: the slug's initials when it has
 * several words ("shipping-policy" → SP), else its first four characters ("warranty" → WARR).
 */
export function clausePrefix(slug: string): string {
  const words = slug.split("-").filter(Boolean);
  let p = words.length > 1 ? words.slice(0, 6).map((w) => w[0]).join("") : (words[0] ?? "").slice(0, 4);
  p = p.toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (!/^[A-Z]/.test(p)) p = `K${p}`;
  if (p.length < 2) p = `${p}D`;
  return p.slice(0, 10);
}

/** FNV-1a: a small deterministic hash (no node:crypto, so this file stays isomorphic). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Headings carry inline Markdown; titles are plain text. */
function plainInline(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_]([^*_]+)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

function tidyBody(lines: string[]): string {
  return lines
    .map((l) => l.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

interface Section {
  level: number;
  heading: string;
  body: string[];
}

interface Parsed {
  preamble: string[];
  sections: Section[];
}

function parseMarkdown(lines: string[]): Parsed {
  const preamble: string[] = [];
  const sections: Section[] = [];
  let fence: string | null = null;
  const target = () => sections[sections.length - 1]?.body ?? preamble;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const f = FENCE.exec(line);
    if (fence) {
      if (f && f[1]?.[0] === fence[0] && (f[1]?.length ?? 0) >= fence.length) fence = null;
      target().push(line);
      continue;
    }
    if (f) {
      fence = f[1] ?? "```";
      target().push(line);
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      sections.push({ level: atx[1]?.length ?? 1, heading: atx[2] ?? "", body: [] });
      continue;
    }
    // A setext heading: one line of text underlined with === (level 1) or --- (level 2).
    const next = lines[i + 1];
    const under = next === undefined ? null : SETEXT.exec(next);
    if (under && line.trim() && !/^\s{0,3}([-*+]|\d+[.)])\s/.test(line) && !/^\s*>/.test(line)) {
      const prev = i > 0 ? (lines[i - 1] ?? "") : "";
      if (!prev.trim()) {
        sections.push({ level: under[1]?.startsWith("=") ? 1 : 2, heading: line.trim(), body: [] });
        i++;
        continue;
      }
    }
    target().push(line);
  }
  return { preamble, sections };
}

const TERMINAL = /[.!?,;:]$/;

function looksLikeHeading(line: string): boolean {
  const t = line.trim();
  if (!t || t.length > 100) return false;
  if (EXPLICIT_ID.test(t)) return true;
  const n = NUMBERED.exec(t);
  if (n && n[2]?.trim()) return t.length <= 100;
  return t.length <= 80 && !TERMINAL.test(t) && /[A-Za-z]/.test(t) && !/^[-*+•]\s/.test(t);
}

/**
 * Plain text: a short line on its own (no closing punctuation), or one that starts with a clause or
 * section number, heads the paragraphs below it. Paragraphs before any heading are clauses of
 * their own, titled by their first sentence.
 */
function parseText(lines: string[]): Parsed {
  const paragraphs: string[][] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l.trim()) cur.push(l);
    else if (cur.length) {
      paragraphs.push(cur);
      cur = [];
    }
  }
  if (cur.length) paragraphs.push(cur);

  const sections: Section[] = [];
  for (const p of paragraphs) {
    const first = p[0] ?? "";
    const numbered = EXPLICIT_ID.test(first.trim()) || Boolean(NUMBERED.exec(first.trim())?.[2]?.trim());
    const heading = looksLikeHeading(first) && (p.length > 1 || numbered || paragraphs.length > 1);
    if (heading) {
      sections.push({ level: 1, heading: first.trim(), body: p.slice(1) });
    } else if (sections.length && sections[sections.length - 1]?.heading) {
      const body = sections[sections.length - 1]?.body;
      body?.push(...(body.length ? [""] : []), ...p);
    } else {
      const text = p.join(" ").replace(/\s+/g, " ").trim();
      const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
      const title = sentence.length > 80 ? `${sentence.slice(0, 77).trimEnd()}…` : sentence.replace(/[.!?]$/, "");
      sections.push({ level: 1, heading: title, body: p });
    }
  }
  return { preamble: [], sections };
}

interface Pending {
  explicitId: string | null;
  title: string;
  text: string;
  headingPath: string[];
}

function headingParts(raw: string, prefix: string): { explicitId: string | null; title: string } {
  const text = plainInline(raw);
  const e = EXPLICIT_ID.exec(text);
  if (e?.[1]) return { explicitId: e[1], title: e[2]?.trim() || e[1] };
  const n = NUMBERED.exec(text);
  if (n?.[1]) return { explicitId: `${prefix}-${n[1]}`, title: n[2]?.trim() || `Section ${n[1]}` };
  return { explicitId: null, title: text };
}

/**
 * Splits a Markdown or plain-text document into clauses. Each heading with text under it is one
 * clause (a heading with none only names its sub-clauses). Ids: written in the heading (`REF-1.2
 * …` keeps REF-1.2; `### 1.2 …` becomes `<PREFIX>-1.2`), else derived from the slug and the
 * heading path, so the same document always gets the same ids and editing one section leaves the
 * others' alone. A single top-level `#` heading is the document's title, not a clause.
 */
export function splitDocument(input: { slug: string; content: string; format: KnowledgeFormat; title?: string }): SplitDocument {
  const slug = input.slug;
  if (!slug) throw new SplitError("slug", "must not be empty: give the document a title or a file name with letters or digits");
  const prefix = clausePrefix(slug);
  const lines = input.content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  const parsed = input.format === "markdown" ? parseMarkdown(lines) : parseText(lines);

  let title = input.title?.trim() ?? "";
  let sections = parsed.sections;
  let preamble = parsed.preamble;
  const h1s = sections.filter((s) => s.level === 1);
  if (input.format === "markdown" && h1s.length === 1 && sections[0]?.level === 1 && !tidyBody(preamble)) {
    const top = sections[0];
    if (!title) title = plainInline(top.heading);
    preamble = top.body;
    sections = sections.slice(1);
  }
  if (!title) title = slug.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());

  // A Markdown document without headings is split like plain text.
  if (input.format === "markdown" && !sections.length) {
    sections = parseText(preamble).sections;
    preamble = [];
  }

  const pending: Pending[] = [];
  const intro = tidyBody(preamble);
  if (intro) pending.push({ explicitId: null, title, text: intro, headingPath: [title] });
  const stack: { level: number; title: string }[] = [];
  for (const s of sections) {
    const { explicitId, title: t } = headingParts(s.heading, prefix);
    while (stack.length && (stack[stack.length - 1]?.level ?? 0) >= s.level) stack.pop();
    stack.push({ level: s.level, title: t });
    const text = tidyBody(s.body);
    if (!text) continue;
    pending.push({ explicitId, title: t, text, headingPath: stack.map((x) => x.title) });
  }
  if (!pending.length) throw new SplitError("content", "has no text to split into clauses");

  const clauses: SplitClause[] = [];
  const used = new Map<string, string>();
  for (const p of pending) {
    if (!p.explicitId) continue;
    const other = used.get(p.explicitId);
    if (other !== undefined) {
      throw new SplitError("content", `two clauses have the id ${p.explicitId} ("${other}" and "${p.title}"): give them different numbers`);
    }
    used.set(p.explicitId, p.title);
  }
  for (const p of pending) {
    let id = p.explicitId;
    if (!id) {
      // Derived from the heading path (case and spacing ignored), probing past any id taken.
      const key = `${slug}\n${p.headingPath.map((h) => h.toLowerCase().replace(/\s+/g, " ")).join("\n")}`;
      let n = (fnv1a(key) % 9000) + 1000;
      while (used.has(`${prefix}-${n}`)) n = n === 9999 ? 1000 : n + 1;
      id = `${prefix}-${n}`;
      used.set(id, p.title);
    }
    clauses.push({ id, title: p.title, text: p.text, headingPath: p.headingPath });
  }
  return { title, clauses };
}

/** The title a document gives itself: its single top-level `#` heading, if it has one. */
export function ownTitle(content: string, format: KnowledgeFormat): string | null {
  if (format !== "markdown") return null;
  const { sections, preamble } = parseMarkdown(content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n"));
  const h1s = sections.filter((s) => s.level === 1);
  const first = sections[0];
  return h1s.length === 1 && first?.level === 1 && !tidyBody(preamble) ? plainInline(first.heading) || null : null;
}

/** Markdown when the file says so or the text has Markdown headings; plain text otherwise. */
export function detectFormat(filename: string | undefined, content: string): KnowledgeFormat {
  const ext = /\.([a-z]+)$/i.exec(filename ?? "")?.[1]?.toLowerCase();
  if (ext === "md" || ext === "markdown") return "markdown";
  if (ext === "txt" || ext === "text") return "text";
  return /^ {0,3}#{1,6}\s+\S/m.test(content) ? "markdown" : "text";
}
