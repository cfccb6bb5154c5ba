"use client";

import { createContext, memo, useContext, useMemo, useState } from "react";
import { Handle, Position } from "@xyflow/react";
import { AlertTriangle } from "lucide-react";
import { getNodeKind, nodeOutputs, nodeSummary } from "@/lib/mission/node-kinds";
import type { MissionNode } from "@/lib/mission/schema";
import { cn } from "@/components/ui/cn";
import { AddNextButtons } from "../add-next";
import type { DiffMark } from "../graph-mapping";
import { KindIcon, kindLabel, kindTone } from "../kind-style";
import { HEAD_HEIGHT, NODE_WIDTH, portRows, PROBLEM_LINE } from "./card-geometry";
import type { PortReach } from "./group";

const DIFF_STYLES: Record<DiffMark | "removed", { ring: string; pill: string; text: string }> = {
  added: { ring: "ring-2 ring-emerald-500 ring-offset-2", pill: "bg-emerald-600 text-white", text: "Added" },
  changed: { ring: "ring-2 ring-amber-500 ring-offset-2", pill: "bg-amber-500 text-white", text: "Changed" },
  moved: { ring: "ring-2 ring-sky-300 ring-offset-2", pill: "bg-sky-500 text-white", text: "Moved" },
  removed: { ring: "", pill: "bg-red-600 text-white", text: "Removed" },
};

const handleClass = "!size-3 !border-2 !border-white !bg-slate-400 hover:!bg-brand-500";

export interface NodeCardProps {
  id: string;
  kind: MissionNode["kind"];
  data: MissionNode["data"];
  problems: readonly string[];
  diff: DiffMark | "removed" | null;
  selected: boolean;
  connectable: boolean;
  /** A group's card: its ports sit this far out, on the group's border (nodes/group.ts). */
  reach?: PortReach | undefined;
}

const ORIGIN = { x: 0, y: 0 };

/**
 * True when the canvas is zoomed out too far to read a card's small print (LOD_ZOOM in canvas.tsx).
 * Cards then draw a large title over blocks of the same height as the details they leave out, so
 * a step keeps its size and ports at every zoom, at a third of the elements to render and paint.
 */
export const FarContext = createContext(false);
const HEAD_STYLE = { height: HEAD_HEIGHT };
const PROBLEM_STYLE = { height: PROBLEM_LINE };

/**
 * The card every node kind draws: icon, title, id, a one-line summary, problems and its ports.
 * Memoized on what it shows, which excludes position: dragging a step does not re-render its card.
 */
export const NodeCard = memo(function NodeCard({ id, kind, data, problems, diff, selected, connectable, reach }: NodeCardProps) {
  // Kind and data come from one domain node; rebuilding it here keeps position out of the props.
  const far = useContext(FarContext);
  const node = useMemo(() => ({ id, kind, data, position: ORIGIN }) as MissionNode, [id, kind, data]);
  const ports = useMemo(() => nodeOutputs(node), [node]);
  const inputs = getNodeKind(kind).inputs;
  const tone = kindTone(node.kind);
  const rows = portRows(ports);
  const single = rows.length ? undefined : ports.find((p) => p.handle === undefined);
  const removed = diff === "removed";
  const diffStyle = diff ? DIFF_STYLES[diff] : null;
  // The "+" buttons mount the first time the card is pointed at or focused: a thousand-step mission
  // does not pay for buttons nobody has reached for.
  const [armed, setArmed] = useState(false);
  const inStyle = reach ? { left: -reach.left } : undefined;
  const outStyle = reach ? { right: -reach.right } : undefined;
  const arm = armed ? undefined : () => setArmed(true);
  return (
    <div
      data-testid={removed ? `removed-node-${node.id}` : `node-${node.id}`}
      data-kind={node.kind}
      data-problems={problems.length}
      data-diff={diff ?? undefined}
      style={{ width: NODE_WIDTH }}
      onPointerEnter={arm}
      onFocus={arm}
      className={cn(
        "group/card relative rounded-xl border bg-white text-left shadow-sm transition-shadow",
        selected ? "border-brand-500 shadow-md ring-2 ring-brand-200" : "border-slate-200 hover:shadow-md",
        problems.length && !selected ? "border-red-400 ring-1 ring-red-300" : null,
        diffStyle?.ring,
        removed ? "border-dashed border-red-400 bg-red-50/60 opacity-70" : null,
      )}
    >
      {diffStyle ? (
        <span className={cn("absolute -top-2.5 left-3 rounded-full px-2 py-px text-[10px] font-semibold uppercase tracking-wide shadow-sm", diffStyle.pill)}>
          {diffStyle.text}
        </span>
      ) : null}
      <span className={cn("absolute inset-y-3 left-0 w-1 rounded-r", tone.accent, removed && "opacity-40")} data-accent aria-hidden />
      {far ? (
        <div className="pointer-events-none absolute inset-0 flex items-center gap-2 py-2 pl-3 pr-2" aria-hidden data-testid="node-far">
          <span className={cn("node-far-title line-clamp-2 min-w-0 flex-1 font-semibold leading-[1.15] text-slate-900", removed && "line-through")} data-testid="node-title">
            {node.data.label || kindLabel(node.kind)}
          </span>
          {problems.length ? <span className="shrink-0 rounded-full bg-red-500 px-2 text-[18px] font-semibold text-white">{problems.length}</span> : null}
        </div>
      ) : null}
      {inputs ? <Handle type="target" position={Position.Left} isConnectable={connectable} className={handleClass} style={inStyle} /> : null}
      {far ? (
        <div style={HEAD_STYLE} />
      ) : (
        <>
          <div className="flex items-start gap-2.5 px-3.5 pb-2 pt-3">
            <div className={cn("flex size-8 shrink-0 items-center justify-center rounded-lg", tone.tile)}>
              <KindIcon kind={node.kind} className="size-4" />
            </div>
            <div className="min-w-0 flex-1">
              <div className="flex items-center gap-1.5">
                <span className={cn("truncate text-sm font-semibold text-slate-900", removed && "line-through")} data-testid="node-title">
                  {node.data.label || kindLabel(node.kind)}
                </span>
                {problems.length ? (
                  <span
                    className="ml-auto inline-flex shrink-0 items-center gap-0.5 rounded-full bg-red-100 px-1.5 py-px text-[11px] font-semibold text-red-700"
                    title={problems.join("\n")}
                    data-testid={`node-problems-${node.id}`}
                  >
                    <AlertTriangle className="size-3" aria-hidden />
                    {problems.length}
                  </span>
                ) : null}
              </div>
              <div className="mt-0.5 flex items-center gap-1 text-[11px] text-slate-500">
                <span>{kindLabel(node.kind)}</span>
                <span aria-hidden>·</span>
                <code className="truncate font-mono text-slate-600">{node.id}</code>
              </div>
            </div>
          </div>
          <p className="truncate border-t border-slate-100 px-3.5 py-1.5 text-xs text-slate-600" title={nodeSummary(node)}>
            {nodeSummary(node)}
          </p>
        </>
      )}
      {rows.length ? (
        <div className="border-t border-slate-100 py-1">
          {rows.map((port) => (
            <div key={port.id} className="relative flex h-6 items-center justify-end pr-3.5 text-[11px] font-medium text-slate-600">
              {far ? null : <span className="truncate">{port.label}</span>}
              <Handle
                type="source"
                id={port.handle}
                position={Position.Right}
                isConnectable={connectable}
                style={outStyle}
                className={cn(handleClass, port.id === "rejected" ? "!bg-rose-400" : port.id === "approved" ? "!bg-emerald-500" : null)}
              />
            </div>
          ))}
        </div>
      ) : null}
      {single ? <Handle type="source" position={Position.Right} isConnectable={connectable} className={handleClass} style={outStyle} /> : null}
      {connectable && !removed && (armed || selected) ? <AddNextButtons node={node} selected={selected} problems={problems.length} reach={reach?.right} /> : null}
      {problems.length && selected && far ? <div style={PROBLEM_STYLE} /> : null}
      {problems.length && selected && !far ? (
        <p className="flex items-center gap-1 truncate rounded-b-xl border-t border-red-100 bg-red-50 px-3.5 py-1 text-[11px] text-red-700" title={problems.join("\n")}>
          <span className="truncate">{problems[0]}</span>
        </p>
      ) : null}
    </div>
  );
});
