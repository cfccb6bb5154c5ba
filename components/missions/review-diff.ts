import type { MissionDiff } from "@/lib/mission/diff";
import type { MissionGraph, MissionNode } from "@/lib/mission/schema";

/** One line of the review page's full diff: a step or connection and what became of it. */
export interface DiffRow {
  kind: "added" | "removed" | "changed" | "moved";
  /** `Approval "Approve refund"` or `gate (denied) → verdict`. */
  subject: string;
  /** For changed steps: each field, before and after, as short text. */
  fields: { name: string; before: string; after: string }[];
}

const MAX_VALUE = 300;

function text(v: unknown): string {
  if (v === undefined) return "—";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

function nodeName(n: MissionNode | undefined, id: string): string {
  if (!n) return id;
  const kind = n.kind[0]?.toUpperCase() + n.kind.slice(1);
  return `${kind} "${n.data.label || id}"`;
}

function edgeName(g: MissionGraph, id: string): string {
  const e = g.edges.find((x) => x.id === id);
  return e ? `${e.source}${e.sourceHandle ? ` (${e.sourceHandle})` : ""} → ${e.target}` : id;
}

/** Everything that differs from the published graph `before` to `after`, steps first, as rows. */
export function diffRows(diff: MissionDiff, before: MissionGraph, after: MissionGraph): DiffRow[] {
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  const rows: DiffRow[] = [];
  if (diff.meta.name) rows.push({ kind: "changed", subject: "Mission name", fields: [{ name: "name", before: diff.meta.name.from, after: diff.meta.name.to }] });
  if (diff.meta.description) rows.push({ kind: "changed", subject: "Mission description", fields: [{ name: "description", before: text(diff.meta.description.from), after: text(diff.meta.description.to) }] });
  for (const id of diff.nodes.added) rows.push({ kind: "added", subject: nodeName(now.get(id), id), fields: [] });
  for (const id of diff.nodes.removed) rows.push({ kind: "removed", subject: nodeName(old.get(id), id), fields: [] });
  for (const c of diff.nodes.changed) {
    const a = old.get(c.id);
    const b = now.get(c.id);
    const fields = c.fields
      .filter((f) => f !== "position")
      .map((f) => {
        if (f === "kind") return { name: "kind", before: a?.kind ?? "—", after: b?.kind ?? "—" };
        const key = f.replace(/^data\./, "");
        return { name: key, before: text((a?.data as Record<string, unknown> | undefined)?.[key]), after: text((b?.data as Record<string, unknown> | undefined)?.[key]) };
      });
    rows.push({ kind: "changed", subject: nodeName(b, c.id), fields });
  }
  for (const id of diff.edges.added) rows.push({ kind: "added", subject: `Connection ${edgeName(after, id)}`, fields: [] });
  for (const id of diff.edges.removed) rows.push({ kind: "removed", subject: `Connection ${edgeName(before, id)}`, fields: [] });
  for (const c of diff.edges.changed) rows.push({ kind: "changed", subject: `Connection ${edgeName(before, c.id)}`, fields: [{ name: "ends", before: edgeName(before, c.id), after: edgeName(after, c.id) }] });
  for (const id of diff.nodes.moved) rows.push({ kind: "moved", subject: nodeName(now.get(id), id), fields: [] });
  return rows;
}
