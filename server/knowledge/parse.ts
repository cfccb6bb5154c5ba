import "server-only";
import mammoth from "mammoth";
import TurndownService from "turndown";
import { KnowledgeError } from "./errors";

// Uploaded files to the text the splitter reads: Markdown for the formats that have headings
// (HTML, DOCX, and PDF whose larger lines are taken as headings), plain text as it is. Maintained
// parsers do the reading: pdfjs-dist (PDF text layer), mammoth (DOCX), turndown (HTML).

export const UPLOAD_FORMATS = ["markdown", "text", "html", "pdf", "docx"] as const;
export type UploadFormat = (typeof UPLOAD_FORMATS)[number];

/** Files larger than this are refused before they are read. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const EXTENSIONS: Record<string, UploadFormat> = {
  md: "markdown",
  markdown: "markdown",
  txt: "text",
  text: "text",
  html: "html",
  htm: "html",
  pdf: "pdf",
  docx: "docx",
};

export interface ParsedUpload {
  format: UploadFormat;
  /** What the splitter reads, and what is stored as the document's source. */
  content: string;
  /** How the splitter reads `content`. */
  splitAs: "markdown" | "text";
}

function refuse(message: string): never {
  throw new KnowledgeError("bad_request", `file: ${message}`, [{ path: "file", message }]);
}

/** The format a file name says, or a clear refusal naming what is accepted. */
export function formatOfFile(filename: string): UploadFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? "";
  const format = EXTENSIONS[ext];
  if (!format) refuse(`${filename} is not a supported type: upload Markdown (.md), plain text (.txt), HTML (.html), PDF (.pdf) or Word (.docx)`);
  return format;
}

/** Reads an uploaded file; refuses an empty, oversized, unreadable or encrypted one, naming it. */
export async function parseUpload(filename: string, bytes: Uint8Array): Promise<ParsedUpload> {
  const format = formatOfFile(filename);
  if (bytes.byteLength === 0) refuse(`${filename} is empty`);
  if (bytes.byteLength > MAX_FILE_BYTES) {
    refuse(`${filename} is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB: files may be at most ${MAX_FILE_BYTES / 1024 / 1024} MB`);
  }
  let content: string;
  switch (format) {
    case "markdown":
    case "text":
      content = new TextDecoder("utf-8").decode(bytes);
      break;
    case "html":
      content = htmlToMarkdown(new TextDecoder("utf-8").decode(bytes));
      break;
    case "docx":
      content = await docxToMarkdown(filename, bytes);
      break;
    case "pdf":
      content = await pdfToMarkdown(filename, bytes);
      break;
  }
  if (!content.trim()) refuse(format === "pdf" ? `${filename} has no text layer (a scanned PDF?): nothing to search` : `${filename} has no text`);
  return { format, content, splitAs: format === "text" ? "text" : "markdown" };
}

export function htmlToMarkdown(html: string): string {
  const td = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
  td.remove(["script", "style", "head", "title", "meta", "link", "noscript", "template", "iframe", "object"]);
  return td.turndown(html).trim();
}

async function docxToMarkdown(filename: string, bytes: Uint8Array): Promise<string> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
  } catch {
    refuse(`${filename} is not a readable Word (.docx) document`);
  }
  return htmlToMarkdown(html);
}

interface Line {
  text: string;
  size: number;
}

/**
 * The PDF's text layer, line by line. Lines set noticeably larger than the body text become
 * Markdown headings (the largest size `#`, the next `##`, …), so the splitter finds the sections.
 */
async function pdfToMarkdown(filename: string, bytes: Uint8Array): Promise<string> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  // A copy: pdfjs transfers (detaches) the buffer it is given.
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (e) {
    await task.destroy().catch(() => undefined);
    const name = (e as { name?: string } | null)?.name;
    if (name === "PasswordException") refuse(`${filename} is encrypted (password-protected): upload a copy without a password`);
    refuse(`${filename} is not a readable PDF`);
  }
  const lines: Line[] = [];
  try {
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const tc = await page.getTextContent();
      let cur: Line | null = null;
      let lastY: number | null = null;
      for (const item of tc.items) {
        if (!("str" in item)) continue;
        const y = item.transform[5] ?? 0;
        const size = Math.round(Math.hypot(item.transform[2] ?? 0, item.transform[3] ?? 0) * 10) / 10;
        if (cur && lastY !== null && Math.abs(y - lastY) > size * 0.5) {
          lines.push(cur);
          cur = null;
        }
        if (item.str) {
          cur ??= { text: "", size: 0 };
          cur.text += item.str;
          cur.size = Math.max(cur.size, size);
        }
        lastY = y;
        if (item.hasEOL && cur) {
          lines.push(cur);
          cur = null;
        }
      }
      if (cur) lines.push(cur);
      lines.push({ text: "", size: 0 });
      page.cleanup();
    }
  } finally {
    await task.destroy();
  }
  return linesToMarkdown(lines);
}

function linesToMarkdown(lines: Line[]): string {
  // The body size: the one most characters are set in.
  const chars = new Map<number, number>();
  for (const l of lines) if (l.text.trim()) chars.set(l.size, (chars.get(l.size) ?? 0) + l.text.length);
  const body = [...chars.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const headingSizes = [...chars.keys()].filter((s) => s >= body * 1.15).sort((a, b) => b - a);
  const out: string[] = [];
  for (const l of lines) {
    const t = l.text.replace(/\s+/g, " ").trim();
    if (!t) {
      out.push("");
      continue;
    }
    const rank = headingSizes.indexOf(l.size);
    if (rank >= 0 && t.length <= 120) {
      out.push("", `${"#".repeat(Math.min(rank + 1, 6))} ${t}`, "");
    } else {
      // Body text that happens to start like Markdown must stay text.
      out.push(t.replace(/^(#{1,6}\s|[-=]{3,}\s*$)/, "\\$1"));
    }
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
