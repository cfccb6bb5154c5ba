import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";
import { complaintMission } from "./complaint";
import { digestMission } from "./digest";
import { refundMission } from "./refund";
import { reminderMission } from "./reminder";
import { welcomeMission } from "./welcome";

/** A starting point for "New mission from template". `graph()` returns a fresh, fully defaulted copy. */
export interface MissionTemplate {
  id: string;
  name: string;
  description: string;
  graph(): MissionGraph;
}

function blankMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "New mission",
    description: "",
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", channels: ["manual", "api"] } },
      { id: "verdict", kind: "verdict", position: { x: 320, y: 0 }, data: { label: "Done", outcomes: ["done"], outcome: '"done"' } },
    ],
    edges: [{ id: "e-trigger-verdict", source: "trigger", target: "verdict" }],
  });
}

function approvalMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Simple approval",
    description: "Someone submits a request; an approver approves or rejects it, with a reason.",
    nodes: [
      {
        id: "trigger",
        kind: "trigger",
        position: { x: 0, y: 80 },
        data: {
          label: "Request",
          channels: ["manual", "api"],
          fields: [
            { name: "title", label: "What do you need?", type: "string", required: true },
            { name: "details", label: "Details", type: "text", required: false, maxLength: 5000 },
          ],
        },
      },
      {
        id: "approval",
        kind: "approval",
        position: { x: 320, y: 80 },
        data: {
          label: "Approve request",
          title: "Approve this request?",
          approverRole: "approver",
          proposed: [{ name: "title", label: "Request", type: "string", expression: "trigger.title", editable: false }],
          separationOfDuties: true,
          timeout: "24h",
          onTimeout: "reject",
        },
      },
      {
        id: "verdict",
        kind: "verdict",
        position: { x: 640, y: 80 },
        data: {
          label: "Verdict",
          outcomes: ["approved", "rejected"],
          outcome: 'approval.approved ? "approved" : "rejected"',
          summary: '(approval.approved ? "Approved: " : "Rejected: ") + trigger.title',
        },
      },
    ],
    edges: [
      { id: "e-trigger-approval", source: "trigger", target: "approval" },
      { id: "e-approval-approved-verdict", source: "approval", sourceHandle: "approved", target: "verdict" },
      { id: "e-approval-rejected-verdict", source: "approval", sourceHandle: "rejected", target: "verdict" },
    ],
  });
}

const TEMPLATES: readonly MissionTemplate[] = [
  { id: "blank", name: "Blank", description: "A trigger and a verdict, ready for your steps.", graph: blankMission },
  { id: "approval", name: "Simple approval", description: "A request that an approver approves or rejects.", graph: approvalMission },
  {
    id: "refund",
    name: "Refund adjudication",
    description: "AI Workers ground and propose a refund decision; an approver signs off before the refund is issued.",
    graph: refundMission,
  },
  { id: "reminder", name: "Payment reminder", description: "A Transform works out the amount due and how firm to be, a Wait gives the payment a day; no AI needed.", graph: reminderMission },
  {
    id: "complaint",
    name: "Complaint triage",
    description: "A complaint asking for money back runs the refund mission as a child run (Call mission) and takes its verdict.",
    graph: complaintMission,
  },
  {
    id: "digest",
    name: "Daily open-ticket digest",
    description: "On a schedule, a Worker lists the open support tickets and a For each writes one line per ticket with a Transform inside it.",
    graph: digestMission,
  },
  { id: "welcome", name: "Welcome notes", description: "A For each writes a note for every new customer in a list with a Transform inside it, five at a time.", graph: welcomeMission },
];

export function listTemplates(): readonly MissionTemplate[] {
  return TEMPLATES;
}

export function getTemplate(id: string): MissionTemplate | undefined {
  return TEMPLATES.find((t) => t.id === id);
}

export { refundMission };
