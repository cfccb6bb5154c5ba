import type { UploadFormat } from "@/server/knowledge";

/** How a document's format is named in lists and on its page. */
export const FORMAT_LABELS: Record<UploadFormat, string> = { markdown: "Markdown", text: "Text", html: "HTML", pdf: "PDF", docx: "Word" };
