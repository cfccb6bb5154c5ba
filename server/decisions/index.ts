import "server-only";

export { decide, decideInputSchema, type DecideInput, type DecideResult } from "./decide";
export { DecisionConflictError, DecisionError, type DecisionErrorReason } from "./errors";
export { getDecision, listDecisions, redeliverDecision, resendUnsentDecisions, type DecisionView, type ListDecisionsInput } from "./queries";
export { decisionIdFor, decisionResolution, openDecision, settleTimedOut, type DecisionResolution, type OpenDecisionInput } from "./lifecycle";
