"use client";

import { memo } from "react";
import type { Node, NodeProps, NodeTypes } from "@xyflow/react";
import { NODE_KIND_NAMES } from "@/lib/mission/node-kinds";
import { REMOVED_NODE_TYPE, type MissionFlowNode, type RemovedFlowNodeData } from "../graph-mapping";
import { NodeCard } from "./node-card";

/**
 * The React Flow node of every kind. It receives its domain node through `data` (the mapping hands
 * React Flow a new object only when that node changed), so a node re-renders only when its own
 * data, selection, problems or diff mark change. The card reads what differs by kind (summary,
 * ports, icon) from the registries.
 */
export const KindNode = memo(function KindNode(props: NodeProps<MissionFlowNode>) {
  const { node, problems, diff } = props.data;
  return <NodeCard id={node.id} kind={node.kind} data={node.data} problems={problems} diff={diff} selected={props.selected} connectable={props.isConnectable} />;
});

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
