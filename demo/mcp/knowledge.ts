// Demo MCP server: the shop's refund policy, searchable by clause (stdio).
// Start: node demo/mcp/run.mjs knowledge   (data dir: DEMO_DATA_DIR, default .steward/demo/knowledge)
import { z } from "zod";
import { CLAUSE_SCHEMA, insertClauses, searchClauses, type Clause } from "./lib/clause-search";
import { openDemoDatabase, type Sql } from "./lib/demo-db";
import { READ_ONLY, createServer, fail, ok, serveStdio } from "./lib/serve";

/** The refund policy the demo mission adjudicates against. Clause ids are what Workers cite. */
export const REFUND_POLICY: Clause[] = [
  {
    id: "REF-1.1",
    title: "Full refund within 14 days",
    text: "Items returned unused and in their original packaging within 14 days of delivery are eligible for a full refund of the item price.",
  },
  {
    id: "REF-1.2",
    title: "Partial refund from 15 to 30 days, or for opened items",
    text: "Items returned 15 to 30 days after delivery, and items that were opened or used (returned within 30 days of delivery), are eligible for a partial refund of 50% of the item price.",
  },
  {
    id: "REF-1.3",
    title: "No refund after 30 days",
    text: "Requests made more than 30 days after delivery are not eligible for a refund. The agent may offer store credit of up to 20% of the item price as a goodwill gesture.",
  },
  {
    id: "REF-1.4",
    title: "Orders not yet delivered",
    text: "An order that has not been delivered cannot be refunded because its payment has not been captured; it can be cancelled instead, which releases the payment authorization.",
  },
  {
    id: "REF-2.1",
    title: "Damaged on arrival",
    text: "Items damaged on arrival are eligible for a full refund, opened or not, when reported within 30 days of delivery. A photo of the damage is requested for orders above 100 EUR.",
  },
  {
    id: "REF-2.2",
    title: "Wrong item shipped",
    text: "When the wrong item was shipped the customer may choose a full refund of that item or a free replacement; the return label is paid by the shop.",
  },
  {
    id: "REF-3.1",
    title: "Refunds go to the original payment method",
    text: "Refunds are issued to the original payment method only. Refunds to another card, account, or in cash are not permitted.",
  },
  {
    id: "REF-3.2",
    title: "Shipping costs",
    text: "Original shipping costs are refunded only for damaged or wrong items (REF-2.1, REF-2.2).",
  },
  {
    id: "REF-3.3",
    title: "Second approval for large or repeated refunds",
    text: "Refunds above 100 EUR, and a customer's third or later refund within 12 months, need the approval of a second person.",
  },
  {
    id: "REF-4.1",
    title: "Processing time",
    text: "Approved refunds are posted within 2 business days and the customer is notified by email.",
  },
  {
    id: "REF-4.2",
    title: "At most the amount paid",
    text: "The refunds on an order together may never exceed the amount captured for it; earlier partial refunds count towards that limit.",
  },
  {
    id: "REF-4.3",
    title: "Record the decision",
    text: "Every refund decision, approved or denied, is noted on the customer's record together with the clause that applied.",
  },
];

async function setup(sql: Sql): Promise<void> {
  await sql.exec(CLAUSE_SCHEMA);
  await insertClauses(sql, REFUND_POLICY);
}

const database = openDemoDatabase("knowledge", setup);
const db = async () => (await database).pg;

const clauseShape = z.object({ id: z.string(), title: z.string(), text: z.string(), score: z.number() });

const server = createServer("steward-demo-knowledge", "1.0.0", "The shop's refund policy, split into numbered clauses (REF-1.1 …). Search it and cite clause ids.");

server.registerTool(
  "search_policies",
  {
    title: "Search refund policy",
    description:
      "Full-text search over the refund policy's numbered clauses, best match first. Returns clause ids (e.g. REF-1.1) to cite. An empty query lists every clause.",
    inputSchema: {
      query: z.string().max(500).describe("Words or a question, e.g. 'refund opened item after 20 days'"),
      limit: z.number().int().min(1).max(50).optional().describe("Most clauses to return (default 5; 50 for an empty query)"),
    },
    outputSchema: { clauses: z.array(clauseShape) },
    annotations: READ_ONLY,
  },
  async ({ query, limit }) => {
    const clauses = await searchClauses(await db(), query, limit ?? (query.trim() ? 5 : 50));
    return ok({ clauses });
  },
);

server.registerTool(
  "get_clause",
  {
    title: "Get clause",
    description: "One clause of the refund policy by its id, e.g. REF-2.1.",
    inputSchema: { id: z.string().min(1).describe("Clause id, e.g. REF-1.1") },
    outputSchema: { id: z.string(), title: z.string(), text: z.string() },
    annotations: READ_ONLY,
  },
  async ({ id }) => {
    const res = await (await db()).query<Clause>(`select id, title, text from clauses where id = upper($1)`, [id.trim()]);
    const c = res.rows[0];
    return c ? ok({ id: c.id, title: c.title, text: c.text }) : fail(`No clause ${id}; clause ids look like REF-1.1`);
  },
);

await serveStdio(server, database);
