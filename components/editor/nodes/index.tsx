"use client";

import { memo } from "react";
import type { Node, NodeProps, NodeTypes } from "@xyflow/react";
import { getNodeKind, NODE_KIND_NAMES } from "@/lib/mission/node-kinds";
import { kindTone } from "../kind-style";
import { REMOVED_NODE_TYPE, type MissionFlowNode, type RemovedFlowNodeData } from "../graph-mapping";
import { GROUP_PAD } from "./group";
import { NodeCard } from "./node-card";

/**
 * The React Flow node of every kind. It receives its domain node through `data` (the mapping hands
 * React Flow a new object only when that node changed), so a node re-renders only when its own
 * data, selection, problems or diff mark change. The card reads what differs by kind (summary,
 * ports, icon) from the registries.
 */
export const KindNode = memo(function KindNode(props: NodeProps<MissionFlowNode>) {
  const { node, problems, diff, reach } = props.data;
  const card = <NodeCard id={node.id} kind={node.kind} data={node.data} problems={problems} diff={diff} selected={props.selected} connectable={props.isConnectable} reach={reach} />;
  const group = getNodeKind(node.kind).group;
  if (!group) return card;
  const tone = kindTone(node.kind);
  // A step that holds steps (a For each): its card at the top left of the group around them (group.ts).
  return (
    <div className="relative size-full" data-testid={`group-${node.id}`}>
      <div className={`pointer-events-none absolute inset-0 rounded-xl border-2 border-dashed ${tone.groupBox}`} aria-hidden />
      <span className={`pointer-events-none absolute bottom-1.5 right-3 text-[11px] font-medium ${tone.groupCaption}`}>{group.caption}</span>
      <div className="relative" style={GROUP_CARD}>
        {card}
      </div>
    </div>
  );
});

const GROUP_CARD = { left: GROUP_PAD, top: GROUP_PAD, width: "fit-content" } as const;

/** A node that exists only in the compared version: drawn faded and struck through. */
export const RemovedNode = memo(function RemovedNode(props: NodeProps<Node<RemovedFlowNodeData>>) {
  const node = props.data.node;
  return <NodeCard id={node.id} kind={node.kind} data={node.data} problems={props.data.problems} diff="removed" selected={false} connectable={false} />;
});

/** Module constant: React Flow re-mounts every node when this object's identity changes. */
export const nodeTypes: NodeTypes = {
  ...Object.fromEntries(NODE_KIND_NAMES.map((kind) => [kind, KindNode])),
  [REMOVED_NODE_TYPE]: RemovedNode,
};
