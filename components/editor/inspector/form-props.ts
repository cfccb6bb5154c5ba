import type { NodeData, NodeKind } from "@/lib/mission/schema";

export interface FormProps<K extends NodeKind> {
  nodeId: string;
  data: NodeData<K>;
  /** Merges a patch into the node's data; `key` names the field so quick edits undo as one step. */
  update: (patch: Partial<NodeData<K>>, key: string) => void;
}
