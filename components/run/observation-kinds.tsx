import { Activity, BookOpen, Brain, Coins, MessageSquareText, PackageCheck, ShieldCheck, TriangleAlert, Wrench } from "lucide-react";
import type { ObservationKind } from "@/server/db/schema";
import { cn } from "@/components/ui/cn";

export const OBSERVATION_KIND_ORDER: readonly ObservationKind[] = [
  "reasoning",
  "tool_call",
  "tool_result",
  "citation",
  "decision",
  "error",
  "status",
  "text",
  "usage",
];

export const KIND_META: Record<ObservationKind, { label: string; tile: string }> = {
  status: { label: "Status", tile: "bg-slate-100 text-slate-600" },
  reasoning: { label: "Reasoning", tile: "bg-violet-100 text-violet-700" },
  text: { label: "Text", tile: "bg-slate-100 text-slate-700" },
  tool_call: { label: "Tool call", tile: "bg-amber-100 text-amber-800" },
  tool_result: { label: "Tool result", tile: "bg-teal-100 text-teal-800" },
  citation: { label: "Citation", tile: "bg-sky-100 text-sky-800" },
  decision: { label: "Decision", tile: "bg-emerald-100 text-emerald-800" },
  error: { label: "Error", tile: "bg-red-100 text-red-700" },
  usage: { label: "Usage", tile: "bg-slate-100 text-slate-600" },
};

export function ObservationKindIcon({ kind, className }: { kind: ObservationKind; className?: string }) {
  const props = { className: cn("size-3.5", className), "aria-hidden": true };
  switch (kind) {
    case "reasoning":
      return <Brain {...props} />;
    case "text":
      return <MessageSquareText {...props} />;
    case "tool_call":
      return <Wrench {...props} />;
    case "tool_result":
      return <PackageCheck {...props} />;
    case "citation":
      return <BookOpen {...props} />;
    case "decision":
      return <ShieldCheck {...props} />;
    case "error":
      return <TriangleAlert {...props} />;
    case "usage":
      return <Coins {...props} />;
    default:
      return <Activity {...props} />;
  }
}
