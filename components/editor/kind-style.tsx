import { Box } from "lucide-react";
import { getNodeKind, isNodeKind } from "@/lib/mission/node-kinds";
import type { NodeKind } from "@/lib/mission/schema";
import { kindViews } from "./kinds";

/**
 * Visuals for the registry's icon and color names. Tailwind only ships classes it can see in the
 * source, so every color the registry may name is spelled out here.
 */

export interface KindTone {
  /** Icon tile: background and foreground. */
  tile: string;
  /** Left accent bar of the node card. */
  accent: string;
  /** Palette hover border. */
  hover: string;
}

const TONES: Record<string, KindTone> = {
  sky: { tile: "bg-sky-100 text-sky-700", accent: "bg-sky-500", hover: "hover:border-sky-300" },
  violet: { tile: "bg-violet-100 text-violet-700", accent: "bg-violet-500", hover: "hover:border-violet-300" },
  amber: { tile: "bg-amber-100 text-amber-700", accent: "bg-amber-500", hover: "hover:border-amber-300" },
  slate: { tile: "bg-slate-200 text-slate-700", accent: "bg-slate-500", hover: "hover:border-slate-400" },
  emerald: { tile: "bg-emerald-100 text-emerald-700", accent: "bg-emerald-500", hover: "hover:border-emerald-300" },
  teal: { tile: "bg-teal-100 text-teal-700", accent: "bg-teal-500", hover: "hover:border-teal-300" },
  indigo: { tile: "bg-indigo-100 text-indigo-700", accent: "bg-indigo-500", hover: "hover:border-indigo-300" },
  orange: { tile: "bg-orange-100 text-orange-700", accent: "bg-orange-500", hover: "hover:border-orange-300" },
  cyan: { tile: "bg-cyan-100 text-cyan-700", accent: "bg-cyan-500", hover: "hover:border-cyan-300" },
  rose: { tile: "bg-rose-100 text-rose-700", accent: "bg-rose-500", hover: "hover:border-rose-300" },
  // The verdict's: where a run ends, in dark ink, so it is not read as an error (problems are red).
  zinc: { tile: "bg-zinc-800 text-white", accent: "bg-zinc-800", hover: "hover:border-zinc-500" },
};

/** The icon of a kind (components/editor/kinds.tsx), or a box for a kind this build does not know. */
export function KindIcon({ kind, className }: { kind: NodeKind | string; className?: string }) {
  const Icon = isNodeKind(kind) ? kindViews[kind].Icon : Box;
  return <Icon className={className} aria-hidden />;
}

export function kindTone(kind: NodeKind | string): KindTone {
  const spec = getNodeKind(kind);
  return (spec && TONES[spec.color]) || (TONES.slate as KindTone);
}

export function kindLabel(kind: NodeKind | string): string {
  return getNodeKind(kind)?.label ?? kind;
}
