"use client";

import { startTransition, useActionState, useState } from "react";
import { FileText, Loader2, Upload } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FieldError, Input, Label, Select, Textarea } from "@/components/ui/input";

export interface UploadFormState {
  message: string | null;
  /** By field: file, content, title. */
  problems: Record<string, string>;
}

export const EMPTY_UPLOAD: UploadFormState = { message: null, problems: {} };

/** Mirrors MAX_DOCUMENT_CHARS on the server, so a large file is refused before it is sent. */
const MAX_CHARS = 500_000;

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
        if (mode === "file" && file && file.size > MAX_CHARS * 4) {
          setLocalError(`This file is too large: documents may have at most ${MAX_CHARS.toLocaleString("en")} characters.`);
          return;
        }
        setLocalError(null);
        const data = new FormData(e.currentTarget);
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
          <Label htmlFor="knowledge-file">Markdown or text file</Label>
          <label
            htmlFor="knowledge-file"
            className={cn(
              "flex cursor-pointer flex-col items-center justify-center gap-1 rounded-lg border border-dashed px-4 py-6 text-center text-sm transition-colors hover:bg-slate-50",
              problem("file") || problem("content") ? "border-red-400" : "border-slate-300",
            )}
          >
            {file ? <FileText className="size-6 text-brand-600" aria-hidden /> : <Upload className="size-6 text-slate-400" aria-hidden />}
            <span className="font-medium text-slate-800">{file ? file.name : "Choose a .md or .txt file"}</span>
            <span className="text-xs text-slate-500">{file ? `${(file.size / 1024).toFixed(1)} KB` : "Headings become clauses; ids like REF-1.2 are kept"}</span>
          </label>
          <input
            id="knowledge-file"
            name="file"
            type="file"
            accept=".md,.markdown,.txt,text/markdown,text/plain"
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
      <Button type="submit" disabled={pending} className="w-full" data-testid="knowledge-upload-submit">
        {pending ? <Loader2 className="animate-spin" /> : <Upload />}
        {pending ? "Adding…" : "Add to knowledge"}
      </Button>
    </form>
  );
}
