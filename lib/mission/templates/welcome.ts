import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";

/**
 * "Welcome notes": a For each goes over a list of new customers, five at a time, and a Transform
 * inside its group writes each one's note; the verdict counts them.
 */
export function welcomeMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Welcome notes",
    description: "Writes a welcome note for each new customer in a list, five at a time.",
    nodes: [
      {
        id: "trigger",
        kind: "trigger",
        position: { x: 0, y: 80 },
        data: {
          label: "New customers",
          channels: ["manual", "api"],
          fields: [{ name: "customers", label: "Customers (comma-separated)", type: "text", required: true, maxLength: 20000 }],
        },
      },
      {
        id: "customers",
        kind: "forEach",
        position: { x: 320, y: 40 },
        data: { label: "Each customer", items: 'trigger.customers.split(",")', concurrency: 5, onFailure: "collect", maxItems: 500, result: "" },
      },
      {
        id: "note",
        kind: "transform",
        parentId: "customers",
        position: { x: 24, y: 138 },
        data: {
          label: "Write the note",
          values: [
            { name: "text", type: "string", description: "The note", expression: '"Welcome, " + item + "! You are customer number " + string(index + 1) + " today."' },
            { name: "customer", type: "string", description: "Who it is for", expression: "item" },
          ],
        },
      },
      {
        id: "verdict",
        kind: "verdict",
        position: { x: 700, y: 80 },
        data: { label: "Notes written", outcomes: ["written"], outcome: '"written"', summary: 'string(size(customers)) + " welcome notes written"' },
      },
    ],
    edges: [
      { id: "e-trigger-customers", source: "trigger", target: "customers" },
      { id: "e-customers-verdict", source: "customers", target: "verdict" },
    ],
  });
}
