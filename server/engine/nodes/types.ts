import "server-only";
import type { MissionNode, NodeKind } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { EngineDeps } from "../deps";
import type { RunPlan } from "../plan";
import type { StepPort } from "../step-port";

/** What a node handler gets. Handlers write node state only inside steps. */
export interface NodeRun<K extends NodeKind = NodeKind> {
  runId: string;
  node: Extract<MissionNode, { kind: K }>;
  plan: RunPlan;
  step: StepPort;
  /** The engine's attempt number for the current call (0-based). */
  attempt: number;
  deps: EngineDeps;
  database: Database;
  /** `trigger`, outputs of completed upstream nodes by id, `skipped` (see lib/mission/scope.ts). */
  scope(): Record<string, unknown>;
  /** An approved approval node leads straight here: that approval is this node's gate. */
  approvedUpstream: boolean;
  /**
   * Set when the node runs more than once in a run (a For each's body): what tells this time
   * apart, e.g. `each[3]`. A handler that keys records outside the engine by its step (a Call
   * mission's child run) adds it, so each time gets its own.
   */
  scopeKey?: string;
  /**
   * Inside a For each: the step's id on the canvas (`node.id` is item-scoped, `tickets[3].escalate`,
   * and has no node row of its own), for Observations people should find on that step.
   */
  bodyNodeId?: string;
}

export interface NodeOutcome {
  /** The node's value in later expressions, under its id. */
  output: unknown;
  /** The output port taken: a condition branch id or `else`, `approved` / `rejected`; undefined = the only port. */
  port?: string;
}

export type NodeHandler<K extends NodeKind = NodeKind> = (run: NodeRun<K>) => Promise<NodeOutcome>;

/** A node failed in a way that is final (a rejected action, a worker out of steps). */
export class NodeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeFailure";
  }
}
