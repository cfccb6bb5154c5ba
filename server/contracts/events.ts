import "server-only";

// The contract between the engine and the services that talk to it (runs, decisions, portal):
// event names, their payloads and the decision wait expression. Neutral ground: the engine and
// those services both import it and neither imports the other for it.

/** Event names the engine uses: one place, so senders and listeners agree. */
export const RUN_REQUESTED = "mission/run.requested";
export const RUN_CANCEL_REQUESTED = "mission/run.cancel.requested";
export const DECISION_MADE = "decision/made";

export interface EngineEvent {
  name: string;
  data: Record<string, unknown>;
  /** Same id = same event: the engine ignores repeats (idempotent sends). */
  id?: string;
}

/** Sends events to whichever engine drives runs (the embedded executor or an Inngest server). */
export type SendEvents = (events: EngineEvent | EngineEvent[]) => Promise<void>;

export interface DecisionMadeData {
  decisionId: string;
  runId: string;
  approved: boolean;
  values: Record<string, unknown>;
  reason: string | null;
  decidedBy: string | null;
}

/** The wait expression for one decision. Built in one place: the decisions core matches on it. */
export function decisionWaitExpression(decisionId: string): string {
  return `async.data.decisionId == '${decisionId.replace(/[^A-Za-z0-9_-]/g, "")}'`;
}

/**
 * The decision id in a wait expression (its one group), as a pattern both JavaScript and
 * PostgreSQL's `substring(… from …)` read.
 */
export const DECISION_ID_IN_EXPRESSION = "^async\\.data\\.decisionId == '([A-Za-z0-9_-]+)'$";
const decisionIdPattern = new RegExp(DECISION_ID_IN_EXPRESSION);

/** The decision id a wait expression was built for, or null. */
export function decisionIdFromExpression(expr: string | null | undefined): string | null {
  const m = decisionIdPattern.exec(expr ?? "");
  return m?.[1] ?? null;
}
