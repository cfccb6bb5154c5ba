"use client";

import { useState, type ReactNode } from "react";
import { ChevronDown, ChevronRight, Download } from "lucide-react";
import { cn } from "@/components/ui/cn";
import { formatBytes, isTruncated, type TruncatedValue } from "@/lib/bounded";

const STRING_CHARS = 400;
const ITEMS = 50;

/**
 * A collapsible JSON tree: objects and arrays fold, long strings and long arrays are cut with a
 * "show all". `openDepth` levels start open.
 */
export function JsonView({ value, openDepth = 2, className, testId }: { value: unknown; openDepth?: number; className?: string; testId?: string }) {
  return (
    <div data-testid={testId} className={cn("overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-2.5 py-2 font-mono text-[12px] leading-5 text-slate-800", className)}>
      <JsonNode value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

function JsonNode({ value, depth, openDepth, name }: { value: unknown; depth: number; openDepth: number; name?: string }) {
  const label = name !== undefined ? <span className="text-violet-700">{JSON.stringify(name)}: </span> : null;
  if (isTruncated(value)) return <TruncatedValueView value={value} label={label} />;
  if (value === null || typeof value !== "object") {
    return (
      <div className="whitespace-pre-wrap break-all">
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  return <Branch value={value as Record<string, unknown> | unknown[]} depth={depth} openDepth={openDepth} label={label} />;
}

function Branch({ value, depth, openDepth, label }: { value: Record<string, unknown> | unknown[]; depth: number; openDepth: number; label: ReactNode }) {
  const [open, setOpen] = useState(depth < openDepth);
  const [all, setAll] = useState(false);
  const isArray = Array.isArray(value);
  const entries: [string | undefined, unknown][] = isArray ? value.map((v) => [undefined, v]) : Object.entries(value);
  const [start, end] = isArray ? ["[", "]"] : ["{", "}"];
  if (!entries.length) {
    return (
      <div>
        {label}
        <span className="text-slate-500">{start + end}</span>
      </div>
    );
  }
  const shown = all ? entries : entries.slice(0, ITEMS);
  return (
    <div>
      <button type="button" onClick={() => setOpen((o) => !o)} className="-ml-1 inline-flex items-center rounded hover:bg-slate-200/70" aria-expanded={open}>
        {open ? <ChevronDown className="size-3 text-slate-500" /> : <ChevronRight className="size-3 text-slate-500" />}
        {label}
        <span className="text-slate-500">
          {start}
          {open ? null : ` ${entries.length} ${isArray ? (entries.length === 1 ? "item" : "items") : entries.length === 1 ? "key" : "keys"} ${end}`}
        </span>
      </button>
      {open ? (
        <>
          <div className="ml-2 border-l border-slate-200 pl-3">
            {shown.map(([k, v], i) => (
              <JsonNode key={k ?? i} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
            ))}
            {entries.length > shown.length ? (
              <button type="button" onClick={() => setAll(true)} className="text-[11px] font-medium text-brand-700 hover:underline">
                Show all {entries.length}
              </button>
            ) : null}
          </div>
          <span className="text-slate-500">{end}</span>
        </>
      ) : null}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  const [all, setAll] = useState(false);
  if (typeof value === "string") {
    const cut = !all && value.length > STRING_CHARS;
    return (
      <span className="text-emerald-800">
        {JSON.stringify(cut ? value.slice(0, STRING_CHARS) : value)}
        {cut ? (
          <>
            …{" "}
            <button type="button" onClick={() => setAll(true)} className="font-sans text-[11px] font-medium text-brand-700 hover:underline">
              Show all ({value.length.toLocaleString()} characters)
            </button>
          </>
        ) : null}
      </span>
    );
  }
  if (typeof value === "number") return <span className="text-sky-800">{String(value)}</span>;
  if (typeof value === "boolean") return <span className="text-amber-800">{String(value)}</span>;
  if (value === null) return <span className="text-slate-500">null</span>;
  return <span className="text-slate-500">{String(value)}</span>;
}

/** A value the server did not send whole (lib/bounded.ts): its size, the start of its JSON and a download link. */
function TruncatedValueView({ value, label }: { value: TruncatedValue; label: ReactNode }) {
  const { bytes, preview, download } = value.$truncated;
  return (
    <div data-testid="truncated-value">
      {label}
      <span className="font-sans text-[11px] font-medium text-amber-800">
        Value truncated, {formatBytes(bytes)}
        {download ? (
          <>
            {" — "}
            <a href={download} download className="inline-flex items-center gap-0.5 text-brand-700 hover:underline">
              <Download className="size-3" /> download
            </a>
          </>
        ) : null}
      </span>
      <div className="mt-0.5 max-h-32 overflow-auto whitespace-pre-wrap break-all text-slate-500">{preview}</div>
    </div>
  );
}

/** A block of text cut at `chars` with a "show all". */
export function TruncatedText({ text, chars = 600, className }: { text: string; chars?: number; className?: string }) {
  const [all, setAll] = useState(false);
  const cut = !all && text.length > chars;
  return (
    <p className={cn("whitespace-pre-wrap break-words", className)}>
      {cut ? `${text.slice(0, chars)}…` : text}
      {cut ? (
        <button type="button" onClick={() => setAll(true)} className="ml-1 text-[11px] font-medium text-brand-700 hover:underline">
          Show all
        </button>
      ) : null}
    </p>
  );
}
