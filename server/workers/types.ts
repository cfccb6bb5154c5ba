import "server-only";
import type { WorkerData } from "@/lib/mission/schema";
import type { NewObservation } from "@/server/observations/record";

/** A tool result fed back to a Worker after its proposed action was decided and executed. */
export interface ResumedToolResult {
  toolCallId: string;
  /** What the tool returned, or why it did not run (rejected by an approver). */
  output: unknown;
  isError: boolean;
}

export interface WorkerRunInput {
  runId: string;
  nodeId: string;
  attempt: number;
  data: WorkerData;
  /** Values in scope: `trigger` (the run input) and the outputs of upstream nodes, by node id. */
  context: Record<string, unknown>;
  /** Conversation so far, when resuming after a gated tool call. Opaque to the engine. */
  transcript?: unknown[];
  resume?: ResumedToolResult;
  /** Tokens still allowed for this run, when it has a budget. */
  tokenBudgetLeft?: number;
  /** Cost still allowed for this run (currency of the model prices), when it has a cost budget. */
  costBudgetLeft?: number;
  observe(obs: Omit<NewObservation, "runId" | "nodeId" | "attempt">): Promise<void>;
  signal?: AbortSignal;
}

export interface TokenUsage {
  tokensIn: number;
  tokensOut: number;
  cost: number;
}

export type WorkerStepResult =
  | { kind: "completed"; output: Record<string, unknown>; usage: TokenUsage; transcript: unknown[] }
  | {
      /** The model asked for a state-changing tool: the engine gates it through a decision. */
      kind: "proposed";
      toolCallId: string;
      tool: string;
      args: Record<string, unknown>;
      usage: TokenUsage;
      transcript: unknown[];
    };

/** The engine calls this for worker nodes; the Workers layer implements it. */
export type WorkerRunner = (input: WorkerRunInput) => Promise<WorkerStepResult>;
