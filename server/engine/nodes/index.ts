import "server-only";
import type { NodeKind } from "@/lib/mission/schema";
import { actionNode } from "./action";
import { approvalNode } from "./approval";
import { callNode } from "./call";
import { conditionNode } from "./condition";
import { forEachNode } from "./for-each";
import { transformNode } from "./transform";
import { triggerNode } from "./trigger";
import type { NodeHandler } from "./types";
import { verdictNode } from "./verdict";
import { waitNode } from "./wait";
import { workerNode } from "./worker";

/** The engine's handler per node kind (the kinds themselves are registered in lib/mission/node-kinds.ts). */
export const nodeHandlers: { [K in NodeKind]: NodeHandler<K> } = {
  trigger: triggerNode,
  worker: workerNode,
  action: actionNode,
  condition: conditionNode,
  approval: approvalNode,
  transform: transformNode,
  wait: waitNode,
  call: callNode,
  // Its body's steps run through these same handlers.
  forEach: forEachNode(() => nodeHandlers),
  verdict: verdictNode,
};

export { INLINE_KINDS, QUICK_KINDS } from "./quick-kinds";
