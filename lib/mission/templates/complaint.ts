import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";

/**
 * The demo's refund mission (server/boot/demo-content.ts seeds it under this id): the Call mission
 * step of the template calls it until the builder picks another.
 */
const REFUND_MISSION_ID = "refund-adjudication";

/**
 * Complaint triage: a complaint that asks for money back is handed to the refund mission as a
 * child run (a Call mission step), whose verdict becomes this one's; any other is logged.
 */
export function complaintMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Complaint triage",
    description: "A complaint that asks for a refund runs the refund mission as a child run and takes its verdict; any other is logged for the support team.",
    nodes: [
      {
        id: "complaint",
        kind: "trigger",
        position: { x: 0, y: 120 },
        data: {
          label: "Complaint",
          channels: ["manual", "api"],
          fields: [
            { name: "orderId", label: "Order number", type: "string", required: true },
            { name: "email", label: "Email", type: "email", required: true },
            { name: "complaint", label: "Complaint", type: "text", required: true, maxLength: 2000 },
            { name: "wantsRefund", label: "Asks for a refund", type: "boolean", required: true },
          ],
        },
      },
      {
        id: "route",
        kind: "condition",
        position: { x: 300, y: 120 },
        data: { label: "Asks for a refund?", branches: [{ id: "refund", label: "Refund", expression: "trigger.wantsRefund" }] },
      },
      {
        id: "refund",
        kind: "call",
        position: { x: 600, y: 40 },
        data: {
          label: "Refund adjudication",
          missionId: REFUND_MISSION_ID,
          missionName: "Refund adjudication",
          version: "latest",
          input: [
            { field: "orderId", expression: "trigger.orderId" },
            { field: "email", expression: "trigger.email" },
            { field: "reason", expression: "trigger.complaint" },
          ],
        },
      },
      {
        id: "decided",
        kind: "verdict",
        position: { x: 900, y: 40 },
        data: {
          label: "Refund decided",
          outcomes: ["approve", "partial", "deny"],
          outcome: 'refund.verdict.outcome',
          summary: '"Refund mission (run " + refund.runId + "): " + refund.verdict.summary',
        },
      },
      {
        id: "logged",
        kind: "verdict",
        position: { x: 600, y: 220 },
        data: { label: "Logged", outcomes: ["logged"], outcome: '"logged"', summary: '"Logged for support: " + trigger.complaint' },
      },
    ],
    edges: [
      { id: "e-complaint-route", source: "complaint", target: "route" },
      { id: "e-route-refund", source: "route", sourceHandle: "refund", target: "refund" },
      { id: "e-route-logged", source: "route", sourceHandle: "else", target: "logged" },
      { id: "e-refund-decided", source: "refund", target: "decided" },
    ],
  });
}
