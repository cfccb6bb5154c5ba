// Questions over the demo refund policy (demo/knowledge/refund-policy.md), each answered by one
// clause, worded as a customer or an agent would ask rather than as the policy says it.
import type { EvalQuestion } from "./handbook";

export const DEMO_QUESTIONS: EvalQuestion[] = [
  { question: "Customer sends back an unopened product after a week, do they get all their money?", clauseId: "REF-1.1" },
  { question: "the box was unsealed and the thing used, returned on day 20 — how much back?", clauseId: "REF-1.2" },
  { question: "it has been six weeks since it arrived, can we still give the money back?", clauseId: "REF-1.3" },
  { question: "the parcel never reached the customer yet, can I reimburse them?", clauseId: "REF-1.4" },
  { question: "the product came broken, what do we owe the buyer?", clauseId: "REF-2.1" },
  { question: "we sent a different article than ordered", clauseId: "REF-2.2" },
  { question: "can the money go to a different credit card than the one they paid with?", clauseId: "REF-3.1" },
  { question: "do we pay back postage?", clauseId: "REF-3.2" },
  { question: "when does someone else have to sign off a reimbursement?", clauseId: "REF-3.3" },
  { question: "how long until the customer sees the money?", clauseId: "REF-4.1" },
  { question: "can several partial reimbursements add up to more than what was charged?", clauseId: "REF-4.2" },
  { question: "what must be written down after deciding on a return?", clauseId: "REF-4.3" },
];
