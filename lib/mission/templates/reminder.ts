import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";

/**
 * "Payment reminder": computes what to ask for and how firmly with a Transform, no Worker needed,
 * gives the payment a day to arrive with a Wait, and ends with that reminder as the verdict.
 */
export function reminderMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Payment reminder",
    description: "Works out the amount due with its late fee and how firm the reminder should be, then gives the payment a day to arrive.",
    nodes: [
      {
        id: "trigger",
        kind: "trigger",
        position: { x: 0, y: 80 },
        data: {
          label: "Invoice overdue",
          channels: ["manual", "api"],
          fields: [
            { name: "customer", label: "Customer", type: "string", required: true },
            { name: "amount", label: "Amount due", type: "number", required: true },
            { name: "days_late", label: "Days late", type: "number", required: true },
          ],
        },
      },
      {
        id: "terms",
        kind: "transform",
        position: { x: 320, y: 80 },
        data: {
          label: "Work out the reminder",
          values: [
            { name: "fee", type: "number", description: "2% a month late, at least 5", expression: "trigger.days_late > 30.0 ? (trigger.amount * 0.02 > 5.0 ? trigger.amount * 0.02 : 5.0) : 0.0" },
            { name: "total", type: "number", description: "What the customer owes now", expression: "trigger.amount + (trigger.days_late > 30.0 ? (trigger.amount * 0.02 > 5.0 ? trigger.amount * 0.02 : 5.0) : 0.0)" },
            { name: "tone", type: "enum", values: ["gentle", "firm"], description: "Firm after a month", expression: 'trigger.days_late > 30.0 ? "firm" : "gentle"' },
          ],
        },
      },
      {
        id: "grace",
        kind: "wait",
        position: { x: 640, y: 80 },
        data: { label: "Give it a day", mode: "duration", duration: "1d" },
      },
      {
        id: "verdict",
        kind: "verdict",
        position: { x: 960, y: 80 },
        data: {
          label: "Reminder",
          outcomes: ["gentle", "firm"],
          outcome: "terms.tone",
          summary: 'trigger.customer + " owes " + string(terms.total)',
        },
      },
    ],
    edges: [
      { id: "e-trigger-terms", source: "trigger", target: "terms" },
      { id: "e-terms-grace", source: "terms", target: "grace" },
      { id: "e-grace-verdict", source: "grace", target: "verdict" },
    ],
  });
}
