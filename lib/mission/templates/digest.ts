import { MISSION_FORMAT, missionGraphSchema, type MissionGraph } from "../schema";

/**
 * "Daily open-ticket digest": every weekday morning a Worker lists the open support tickets with
 * the demo CRM's read-only tool, and a For each formats each one with a Transform inside its
 * group; the verdict says how many are open and how many are over 50 EUR.
 */
export function digestMission(): MissionGraph {
  return missionGraphSchema.parse({
    format: MISSION_FORMAT,
    name: "Daily open-ticket digest",
    description: "Every weekday at 08:00 lists the open support tickets and writes one line per ticket, flagging those over 50 EUR.",
    nodes: [
      {
        id: "trigger",
        kind: "trigger",
        position: { x: 0, y: 80 },
        data: { label: "Weekday mornings", channels: ["manual", "schedule"], schedule: { cron: "0 8 * * 1-5", timezone: "Europe/Paris" } },
      },
      {
        id: "lookup",
        kind: "worker",
        position: { x: 280, y: 80 },
        data: {
          label: "List open tickets",
          model: "replay:open-tickets",
          tools: ["crm.list_open_tickets"],
          instructions: "List the support tickets that are still open with crm.list_open_tickets. Return them in tickets as id|email|amount, one ticket after another separated by commas, and how many in count.",
          outputs: [
            { name: "tickets", type: "string", description: "The open tickets: id|email|amount, comma-separated." },
            { name: "count", type: "number", description: "How many tickets are open." },
          ],
        },
      },
      {
        id: "tickets",
        kind: "forEach",
        position: { x: 560, y: 40 },
        data: { label: "Each ticket", items: 'lookup.tickets.split(",")', concurrency: 5, onFailure: "collect", maxItems: 500, result: '{"line": format.line, "big": format.amount > 50.0}' },
      },
      {
        id: "format",
        kind: "transform",
        parentId: "tickets",
        position: { x: 24, y: 138 },
        data: {
          label: "Format the ticket",
          values: [
            { name: "ticket", type: "string", description: "Its id", expression: 'item.split("|")[0]' },
            { name: "amount", type: "number", description: "The amount at stake, EUR", expression: 'double(item.split("|")[2])' },
            { name: "line", type: "string", description: "One line of the digest", expression: 'item.split("|")[0] + " for " + item.split("|")[1] + ": " + item.split("|")[2] + " EUR"' },
          ],
        },
      },
      {
        id: "verdict",
        kind: "verdict",
        position: { x: 940, y: 80 },
        data: {
          label: "Digest ready",
          outcomes: ["sent"],
          outcome: '"sent"',
          summary: 'string(size(tickets)) + " open tickets, " + string(size(tickets.filter(t, t.big))) + " over 50 EUR"',
        },
      },
    ],
    edges: [
      { id: "e-trigger-lookup", source: "trigger", target: "lookup" },
      { id: "e-lookup-tickets", source: "lookup", target: "tickets" },
      { id: "e-tickets-verdict", source: "tickets", target: "verdict" },
    ],
  });
}
