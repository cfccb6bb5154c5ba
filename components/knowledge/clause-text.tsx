import { Fragment, type ReactNode } from "react";

// Clause text is Markdown from an admin's document. A small renderer (paragraphs, lists, code
// blocks, **bold** and `code`) is enough for policy text, and builds React elements only: the
// text is never injected as HTML.

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(\*\*([^*]+)\*\*|__([^_]+)__|`([^`]+)`)/g;
  let last = 0;
  let i = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[4] !== undefined) out.push(<code key={i++} className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.9em]">{m[4]}</code>);
    else out.push(<strong key={i++} className="font-semibold text-slate-900">{m[2] ?? m[3]}</strong>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

type Block = { kind: "p"; lines: string[] } | { kind: "ul" | "ol"; items: string[] } | { kind: "pre"; text: string };

function blocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*(```|~~~)/.test(line)) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*(```|~~~)/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
      out.push({ kind: "pre", text: body.join("\n") });
      continue;
    }
    if (!line.trim()) continue;
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    const prev = out[out.length - 1];
    if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      const item = (bullet ?? numbered)?.[1] ?? "";
      if (prev?.kind === kind && !!(lines[i - 1] ?? "").trim()) prev.items.push(item);
      else out.push({ kind, items: [item] });
      continue;
    }
    if (prev?.kind === "p" && (lines[i - 1] ?? "").trim()) prev.lines.push(line.trim());
    else if ((prev?.kind === "ul" || prev?.kind === "ol") && (lines[i - 1] ?? "").trim() && /^\s+/.test(line)) prev.items[prev.items.length - 1] += ` ${line.trim()}`;
    else out.push({ kind: "p", lines: [line.trim()] });
  }
  return out;
}

export function ClauseText({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className ?? "space-y-3 text-[15px] leading-relaxed text-slate-700"}>
      {blocks(text).map((b, i) => (
        <Fragment key={i}>
          {b.kind === "p" ? <p>{inline(b.lines.join(" "))}</p> : null}
          {b.kind === "ul" ? <ul className="list-disc space-y-1 pl-5">{b.items.map((it, j) => <li key={j}>{inline(it)}</li>)}</ul> : null}
          {b.kind === "ol" ? <ol className="list-decimal space-y-1 pl-5">{b.items.map((it, j) => <li key={j}>{inline(it)}</li>)}</ol> : null}
          {b.kind === "pre" ? <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">{b.text}</pre> : null}
        </Fragment>
      ))}
    </div>
  );
}
