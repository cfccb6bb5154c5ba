"use client";

import { startTransition, useActionState, useState } from "react";
import { Eye, FileText, Loader2, Upload } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FieldError, Input, Label, Select, Textarea } from "@/components/ui/input";
import type { DocumentPreview } from "@/server/knowledge";

export interface UploadFormState {
  message: string | null;
  /** By field: file, content, title, collection. */
  problems: Record<string, string>;
  /** The chunks the document would be split into, when "Preview chunks" was asked for. */
  preview?: DocumentPreview;
}

export const EMPTY_UPLOAD: UploadFormState = { message: null, problems: {} };

/** Mirrors MAX_FILE_BYTES on the server, so a large file is refused before it is sent. */
const MAX_FILE_MB = 10;
const ACCEPT = ".md,.markdown,.txt,.html,.htm,.pdf,.docx,text/markdown,text/plain,text/html,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document";

export function UploadForm({
  action,
  collections,
}: {
  action: (prev: UploadFormState, form: FormData) => Promise<UploadFormState>;
  collections: { slug: string; title: string }[];
}) {
  const [state, formAction, pending] = useActionState(action, EMPTY_UPLOAD);
  const [mode, setMode] = useState<"file" | "paste">("file");
  const [file, setFile] = useState<File | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const problem = (f: string) => state.problems[f] ?? null;

  return (
    <form
      action={formAction}
      onSubmit={(e) => {
        // Sent by hand rather than by the form action, so a refused upload keeps what was typed.
        e.preventDefault();
        if (mode === "file" && file && file.size > MAX_FILE_MB * 1024 * 1024) {
          setLocalError(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB: files may be at most ${MAX_FILE_MB} MB. Nothing was uploaded.`);
          return;
        }
        setLocalError(null);
        const submitter = (e.nativeEvent as SubmitEvent).submitter;
        const data = new FormData(e.currentTarget, submitter instanceof HTMLButtonElement ? submitter : null);
        startTransition(() => formAction(data));
      }}
      className="space-y-4"
      data-testid="knowledge-upload"
    >
      <input type="hidden" name="mode" value={mode} />
      <div className="grid grid-cols-2 rounded-lg bg-slate-100 p-1 text-sm font-medium" role="tablist" aria-label="How to add the document">
        {(["file", "paste"] as const).map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            aria-selected={mode === m}
            onClick={() => setMode(m)}
            className={cn("rounded-md px-3 py-1.5 transition-colors", mode === m ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900")}
          >
            {m === "file" ? "Upload a file" : "Paste text"}
          </button>
        ))}
      </div>

      {mode === "file" ? (
        <div className="space-y-1.5">
          <Label htmlFor="knowledge-file">Document</Label>
          <label
            htmlFor="knowledge-file"
            className={cn(
              "flex cursor-pointer flex-col items-center justify-center gap-1 rounded-lg border border-dashed px-4 py-6 text-center text-sm transition-colors hover:bg-slate-50",
              problem("file") || problem("content") ? "border-red-400" : "border-slate-300",
            )}
          >
            {file ? <FileText className="size-6 text-brand-600" aria-hidden /> : <Upload className="size-6 text-slate-400" aria-hidden />}
            <span className="font-medium text-slate-800">{file ? file.name : "Choose a file: Markdown, text, HTML, PDF or Word"}</span>
            <span className="text-xs text-slate-500">{file ? `${(file.size / 1024).toFixed(1)} KB` : `Up to ${MAX_FILE_MB} MB. Headings become clauses; ids like REF-1.2 are kept`}</span>
          </label>
          <input
            id="knowledge-file"
            name="file"
            type="file"
            accept={ACCEPT}
            className="sr-only"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            data-testid="knowledge-file"
          />
          <FieldError>{problem("file")}</FieldError>
        </div>
      ) : null}

      <div className="space-y-1.5">
        <Label htmlFor="knowledge-collection">Collection</Label>
        <Select id="knowledge-collection" name="collection" defaultValue={collections[0]?.slug} data-testid="knowledge-upload-collection">
          {collections.map((c) => (
            <option key={c.slug} value={c.slug}>
              {c.title}
            </option>
          ))}
        </Select>
        <FieldError>{problem("collection")}</FieldError>
      </div>

      <div className="space-y-1.5">
        <Label htmlFor="knowledge-title">Title {mode === "file" ? <span className="font-normal text-slate-500">(optional)</span> : null}</Label>
        <Input id="knowledge-title" name="title" placeholder={mode === "file" ? "From the document's # heading" : "e.g. Shipping policy"} aria-invalid={!!problem("title")} />
        <FieldError>{problem("title")}</FieldError>
      </div>

      {mode === "paste" ? (
        <>
          <div className="space-y-1.5">
            <Label htmlFor="knowledge-format">Format</Label>
            <Select id="knowledge-format" name="format" defaultValue="markdown">
              <option value="markdown">Markdown</option>
              <option value="text">Plain text</option>
            </Select>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="knowledge-content">Text</Label>
            <Textarea id="knowledge-content" name="content" rows={10} className="font-mono text-xs" placeholder={"## REF-1.1 Full refund within 14 days\nItems returned unused…"} aria-invalid={!!problem("content")} />
          </div>
        </>
      ) : null}
      <FieldError>{problem("content")}</FieldError>
      {localError || state.message ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="knowledge-upload-error">
          {localError ?? state.message}
        </p>
      ) : null}
      <div className="grid gap-2">
        <Button type="submit" name="intent" value="preview" variant="secondary" disabled={pending} data-testid="knowledge-preview-submit">
          <Eye />
          Preview chunks
        </Button>
        <Button type="submit" name="intent" value="save" disabled={pending} data-testid="knowledge-upload-submit">
          {pending ? <Loader2 className="animate-spin" /> : <Upload />}
          {pending ? "Working…" : "Add to knowledge"}
        </Button>
      </div>
      {state.preview ? <ChunkPreview preview={state.preview} /> : null}
    </form>
  );
}

/** How the document would be split, before anything is saved: each chunk with its heading path. */
function ChunkPreview({ preview }: { preview: DocumentPreview }) {
  return (
    <section className="rounded-md border border-slate-200" data-testid="knowledge-preview" aria-label="Chunk preview">
      <h3 className="border-b border-slate-200 bg-slate-50 px-3 py-2 text-xs font-medium text-slate-600">
        “{preview.title}” would be split into {preview.clauses.length} clause{preview.clauses.length === 1 ? "" : "s"} (not saved yet)
      </h3>
      <ol className="max-h-96 divide-y divide-slate-100 overflow-y-auto">
        {preview.clauses.map((c) => (
          <li key={c.id} className="px-3 py-2" data-testid="knowledge-preview-chunk" data-clause-id={c.id}>
            <div className="text-xs text-slate-500" data-testid="knowledge-preview-path">
              {c.headingPath.join(" › ")}
            </div>
            <div className="text-sm font-medium text-slate-900">
              <span className="font-mono text-xs text-brand-700">{c.id}</span> {c.title}
            </div>
            <p className="line-clamp-3 whitespace-pre-line text-xs text-slate-600">{c.text}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
