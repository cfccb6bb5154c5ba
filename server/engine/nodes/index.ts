import "server-only";
import type { NodeKind } from "@/lib/mission/schema";
import { actionNode } from "./action";
import { approvalNode } from "./approval";
import { conditionNode } from "./condition";
import { triggerNode } from "./trigger";
import type { NodeHandler } from "./types";
import { verdictNode } from "./verdict";
import { workerNode } from "./worker";

/** The engine's handler per node kind (the kinds themselves are registered in lib/mission/node-kinds.ts). */
export const nodeHandlers: { [K in NodeKind]: NodeHandler<K> } = {
  trigger: triggerNode,
  worker: workerNode,
  action: actionNode,
  condition: conditionNode,
  approval: approvalNode,
  verdict: verdictNode,
};
