import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";

/**
 * THE refund adjudication mission: the demo, the docs example and the replay fixtures all use it,
 * so its node ids (and their order) are fixed.
 */

/** Deny when gated out or rejected; partial when less than the order total was refunded. */
export const REFUND_OUTCOME_EXPRESSION =
  '"refund" in skipped || !refund.approved ? "deny" : (refund.values.amount < ground.orderTotal ? "partial" : "approve")';

export const REFUND_SUMMARY_EXPRESSION =
  '"refund" in skipped ? "Refund denied for order " + trigger.orderId + ": " + reason.rationale' +
  ' : (!refund.approved ? "Refund for order " + trigger.orderId + " rejected by the approver: " + refund.reason' +
  ' : "Refunded " + string(refund.values.amount) + " " + refund.values.currency + " for order " + trigger.orderId)';

export function refundMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Refund adjudication",
    description:
      "Grounds a refund request in the order, the payment and the refund policy, proposes a decision, and asks an approver before any money moves.",
    nodes: [
      {
        id: "trigger",
        kind: "trigger",
        position: { x: 0, y: 160 },
        data: {
          label: "Refund request",
          channels: ["manual", "portal", "api"],
          portal: {
            slug: "refunds",
            title: "Request a refund",
            intro: "Tell us which order and why. We check it against our refund policy and reply by email.",
          },
          fields: [
            { name: "orderId", label: "Order number", type: "string", required: true },
            { name: "email", label: "Email", type: "email", required: true },
            { name: "reason", label: "Reason", type: "text", required: true, maxLength: 2000 },
          ],
        },
      },
      {
        id: "ground",
        kind: "worker",
        position: { x: 280, y: 160 },
        data: {
          label: "Ground the request",
          model: "replay:refund-demo",
          tools: ["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"],
          instructions: [
            "You check a customer's refund request against the facts.",
            "Look up the order with commerce.get_order and its payment with commerce.get_payment.",
            "Search the refund policy with knowledge.search_policies and find the clause that applies to this order (its id looks like REF-2.1).",
            "Report only what the records and the policy say; do not decide the refund.",
          ].join("\n"),
          outputs: [
            { name: "orderTotal", type: "number", description: "The order total, in the order's currency." },
            { name: "currency", type: "string", description: "ISO 4217 code of the order's currency, e.g. EUR." },
            { name: "paymentCaptured", type: "boolean", description: "Whether the payment was captured." },
            { name: "daysSinceDelivery", type: "number", description: "Days since the order was delivered." },
            { name: "policyClause", type: "string", description: "Id of the applicable policy clause, like REF-2.1." },
            { name: "policySummary", type: "string", description: "What that clause says, in one or two sentences." },
          ],
        },
      },
      {
        id: "reason",
        kind: "worker",
        position: { x: 560, y: 160 },
        data: {
          label: "Propose a decision",
          model: "replay:refund-demo",
          tools: ["crm.get_history"],
          instructions: [
            "Propose a decision on the refund request: approve in full, approve a partial amount, or deny.",
            "Use the grounded facts and the policy clause from the previous step, and the customer's history from crm.get_history.",
            "The amount is what should be refunded (0 when denying). Explain the decision citing the policy clause.",
          ].join("\n"),
          outputs: [
            { name: "decision", type: "enum", values: ["approve", "partial", "deny"], description: "The proposed decision." },
            { name: "amount", type: "number", description: "The amount to refund." },
            { name: "rationale", type: "string", description: "Why, citing the policy clause." },
          ],
        },
      },
      {
        id: "gate",
        kind: "condition",
        position: { x: 840, y: 160 },
        data: {
          label: "Denied?",
          branches: [{ id: "denied", label: "Denied", expression: 'reason.decision == "deny"' }],
        },
      },
      {
        id: "refund",
        kind: "approval",
        position: { x: 1120, y: 260 },
        data: {
          label: "Approve refund",
          title: "Refund for order",
          approverRole: "approver",
          proposed: [
            { name: "amount", label: "Amount", type: "number", expression: "reason.amount", editable: true },
            { name: "currency", label: "Currency", type: "string", expression: "ground.currency", editable: false },
            { name: "rationale", label: "Rationale", type: "string", expression: "reason.rationale", editable: true },
          ],
          reasonRequiredOnReject: true,
          requiredApprovals: 1,
          separationOfDuties: true,
          timeout: "72h",
          onTimeout: "reject",
        },
      },
      {
        id: "issue_refund",
        kind: "action",
        position: { x: 1400, y: 260 },
        data: {
          label: "Issue refund",
          tool: "commerce.issue_refund",
          args: {
            orderId: "trigger.orderId",
            amount: "refund.values.amount",
            currency: "refund.values.currency",
            reason: "refund.values.rationale",
          },
        },
      },
      {
        id: "crm_note",
        kind: "action",
        position: { x: 1680, y: 260 },
        data: {
          label: "Note it in the CRM",
          tool: "crm.add_note",
          args: {
            email: "trigger.email",
            note: '"Refund of " + string(refund.values.amount) + " " + refund.values.currency + " issued for order " + trigger.orderId',
          },
        },
      },
      {
        id: "verdict",
        kind: "verdict",
        position: { x: 1960, y: 160 },
        data: {
          label: "Verdict",
          outcomes: ["approve", "partial", "deny"],
          outcome: REFUND_OUTCOME_EXPRESSION,
          summary: REFUND_SUMMARY_EXPRESSION,
        },
      },
    ],
    edges: [
      { id: "e-trigger-ground", source: "trigger", target: "ground" },
      { id: "e-ground-reason", source: "ground", target: "reason" },
      { id: "e-reason-gate", source: "reason", target: "gate" },
      { id: "e-gate-denied-verdict", source: "gate", sourceHandle: "denied", target: "verdict" },
      { id: "e-gate-else-refund", source: "gate", sourceHandle: "else", target: "refund" },
      { id: "e-refund-approved-issue_refund", source: "refund", sourceHandle: "approved", target: "issue_refund" },
      { id: "e-refund-rejected-verdict", source: "refund", sourceHandle: "rejected", target: "verdict" },
      { id: "e-issue_refund-crm_note", source: "issue_refund", target: "crm_note" },
      { id: "e-crm_note-verdict", source: "crm_note", target: "verdict" },
    ],
  });
}
