import canonicalize from "canonicalize";
import type { MissionEdge, MissionGraph, MissionNode } from "./schema";

export interface ChangedItem {
  id: string;
  /** What changed: `kind`, `position`, `data.<key>` for nodes; `source`, `target`, `sourceHandle` for edges. */
  fields: string[];
}

export interface MissionDiff {
  nodes: {
    added: string[];
    removed: string[];
    /** Nodes whose kind or data changed (`position` is listed too when they also moved). */
    changed: ChangedItem[];
    /** Nodes that only moved on the canvas, kept apart so the UI can de-emphasise them. */
    moved: string[];
  };
  edges: { added: string[]; removed: string[]; changed: ChangedItem[] };
  meta: {
    name?: { from: string; to: string };
    description?: { from: string; to: string };
  };
  /** True when nothing at all differs, moves included. */
  identical: boolean;
}

const same = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b);

/** What changed from `a` to `b`, by node and edge id. */
export function diffMissions(a: MissionGraph, b: MissionGraph): MissionDiff {
  const nodes = diffById(a.nodes, b.nodes, nodeFields);
  const edges = diffById(a.edges, b.edges, edgeFields);
  const moved: string[] = [];
  const changed: ChangedItem[] = [];
  for (const c of nodes.changed) {
    if (c.fields.length === 1 && c.fields[0] === "position") moved.push(c.id);
    else changed.push(c);
  }
  const meta: MissionDiff["meta"] = {};
  if (a.name !== b.name) meta.name = { from: a.name, to: b.name };
  if ((a.description ?? "") !== (b.description ?? "")) meta.description = { from: a.description ?? "", to: b.description ?? "" };
  const identical =
    nodes.added.length + nodes.removed.length + nodes.changed.length + edges.added.length + edges.removed.length + edges.changed.length === 0 &&
    !meta.name &&
    !meta.description;
  return { nodes: { added: nodes.added, removed: nodes.removed, changed, moved }, edges, meta, identical };
}

function diffById<T extends { id: string }>(before: readonly T[], after: readonly T[], fields: (a: T, b: T) => string[]) {
  const old = new Map(before.map((x) => [x.id, x]));
  const now = new Map(after.map((x) => [x.id, x]));
  const added = after.filter((x) => !old.has(x.id)).map((x) => x.id);
  const removed = before.filter((x) => !now.has(x.id)).map((x) => x.id);
  const changed: ChangedItem[] = [];
  for (const x of after) {
    const prev = old.get(x.id);
    if (!prev) continue;
    const f = fields(prev, x);
    if (f.length) changed.push({ id: x.id, fields: f });
  }
  return { added: [...new Set(added)], removed: [...new Set(removed)], changed };
}

function nodeFields(a: MissionNode, b: MissionNode): string[] {
  const out: string[] = [];
  if (a.kind !== b.kind) out.push("kind");
  const da = a.data as Record<string, unknown>;
  const db = b.data as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(da), ...Object.keys(db)])].sort();
  for (const k of keys) if (!same(da[k], db[k])) out.push(`data.${k}`);
  if (a.position.x !== b.position.x || a.position.y !== b.position.y) out.push("position");
  return out;
}

function edgeFields(a: MissionEdge, b: MissionEdge): string[] {
  return (["source", "target", "sourceHandle"] as const).filter((k) => (a[k] ?? null) !== (b[k] ?? null));
}
