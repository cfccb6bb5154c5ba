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
  /** The box of a kind that holds steps (a group): its border and wash, and its caption. */
  groupBox: string;
  groupCaption: string;
}

const TONES: Record<string, KindTone> = {
  sky: { tile: "bg-sky-100 text-sky-700", accent: "bg-sky-500", hover: "hover:border-sky-300", groupBox: "border-sky-300 bg-sky-50/40", groupCaption: "text-sky-700" },
  violet: { tile: "bg-violet-100 text-violet-700", accent: "bg-violet-500", hover: "hover:border-violet-300", groupBox: "border-violet-300 bg-violet-50/40", groupCaption: "text-violet-700" },
  amber: { tile: "bg-amber-100 text-amber-700", accent: "bg-amber-500", hover: "hover:border-amber-300", groupBox: "border-amber-300 bg-amber-50/40", groupCaption: "text-amber-700" },
  slate: { tile: "bg-slate-200 text-slate-700", accent: "bg-slate-500", hover: "hover:border-slate-400", groupBox: "border-slate-300 bg-slate-50/40", groupCaption: "text-slate-700" },
  emerald: { tile: "bg-emerald-100 text-emerald-700", accent: "bg-emerald-500", hover: "hover:border-emerald-300", groupBox: "border-emerald-300 bg-emerald-50/40", groupCaption: "text-emerald-700" },
  teal: { tile: "bg-teal-100 text-teal-700", accent: "bg-teal-500", hover: "hover:border-teal-300", groupBox: "border-teal-300 bg-teal-50/40", groupCaption: "text-teal-700" },
  indigo: { tile: "bg-indigo-100 text-indigo-700", accent: "bg-indigo-500", hover: "hover:border-indigo-300", groupBox: "border-indigo-300 bg-indigo-50/40", groupCaption: "text-indigo-700" },
  orange: { tile: "bg-orange-100 text-orange-700", accent: "bg-orange-500", hover: "hover:border-orange-300", groupBox: "border-orange-300 bg-orange-50/40", groupCaption: "text-orange-700" },
  cyan: { tile: "bg-cyan-100 text-cyan-700", accent: "bg-cyan-500", hover: "hover:border-cyan-300", groupBox: "border-cyan-300 bg-cyan-50/40", groupCaption: "text-cyan-700" },
  rose: { tile: "bg-rose-100 text-rose-700", accent: "bg-rose-500", hover: "hover:border-rose-300", groupBox: "border-rose-300 bg-rose-50/40", groupCaption: "text-rose-700" },
  // The verdict's: where a run ends, in dark ink, so it is not read as an error (problems are red).
  zinc: { tile: "bg-zinc-800 text-white", accent: "bg-zinc-800", hover: "hover:border-zinc-500", groupBox: "border-zinc-300 bg-zinc-50/40", groupCaption: "text-zinc-700" },
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
