"use client";

import { memo } from "react";
import type { Node, NodeProps, NodeTypes } from "@xyflow/react";
import type { NodeKind } from "@/lib/mission/schema";
import { REMOVED_NODE_TYPE, type MissionFlowNode, type RemovedFlowNodeData } from "../graph-mapping";
import { NodeCard } from "./node-card";

/**
 * One memoized React component per node kind. Each receives its domain node through `data` (the
 * mapping hands React Flow a new object only when that node changed), so a node re-renders only
 * when its own data, selection, problems or diff mark change.
 */

type KindNodeProps = NodeProps<MissionFlowNode>;

function cardProps(props: KindNodeProps) {
  const { node, problems, diff } = props.data;
  return { id: node.id, kind: node.kind, data: node.data, problems, diff, selected: props.selected, connectable: props.isConnectable };
}

export const TriggerNode = memo(function TriggerNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

export const WorkerNode = memo(function WorkerNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

export const ConditionNode = memo(function ConditionNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

export const ApprovalNode = memo(function ApprovalNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

export const ActionNode = memo(function ActionNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

export const VerdictNode = memo(function VerdictNode(props: KindNodeProps) {
  return <NodeCard {...cardProps(props)} />;
});

/** A node that exists only in the compared version: drawn faded and struck through. */
export const RemovedNode = memo(function RemovedNode(props: NodeProps<Node<RemovedFlowNodeData>>) {
  const node = props.data.node;
  return <NodeCard id={node.id} kind={node.kind} data={node.data} problems={props.data.problems} diff="removed" selected={false} connectable={false} />;
});

/** Module constant: React Flow re-mounts every node when this object's identity changes. */
export const nodeTypes = {
  trigger: TriggerNode,
  worker: WorkerNode,
  condition: ConditionNode,
  approval: ApprovalNode,
  action: ActionNode,
  verdict: VerdictNode,
  [REMOVED_NODE_TYPE]: RemovedNode,
} satisfies { [K in NodeKind]: unknown } & Record<string, unknown> as NodeTypes;
