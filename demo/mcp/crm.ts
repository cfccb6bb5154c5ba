// Demo MCP server: a customer record system with history and notes (stdio).
// Start: node demo/mcp/run.mjs crm   (data dir: DEMO_DATA_DIR, default .steward/demo/crm)
import crypto from "node:crypto";
import { z } from "zod";
import { openDemoDatabase, type Sql } from "./lib/demo-db";
import { READ_ONLY, createServer, fail, idempotencyKey, ok, serveStdio } from "./lib/serve";

// Like the shop's dates, tenure and note ages are kept relative to now so the story holds.
const SCHEMA = `
create table customers (
  email text primary key,
  name text not null,
  since_ago interval not null,
  tier text not null,
  lifetime_orders int not null,
  prior_refunds int not null
);
create table notes (
  note_id text primary key,
  email text not null references customers(email),
  note text not null,
  created_at timestamptz not null default now(),
  idempotency_key text unique
);
`;

const SEED: { email: string; name: string; sinceDaysAgo: number; tier: string; orders: number; refunds: number; notes: [number, string][] }[] = [
  {
    email: "dana@example.com",
    name: "Dana Whitfield",
    sinceDaysAgo: 2210,
    tier: "gold",
    orders: 23,
    refunds: 1,
    notes: [
      [410, "Asked for gift wrapping on a birthday order; handled, customer very happy."],
      [95, "Prefers contact by email, not phone."],
    ],
  },
  {
    email: "marcus.lee@example.com",
    name: "Marcus Lee",
    sinceDaysAgo: 300,
    tier: "standard",
    orders: 6,
    refunds: 3,
    notes: [[60, "Third refund request this year; second person to review any further refunds (REF-3.3)."]],
  },
  { email: "priya.natarajan@example.com", name: "Priya Natarajan", sinceDaysAgo: 3, tier: "new", orders: 1, refunds: 0, notes: [] },
  {
    email: "sam.okafor@example.com",
    name: "Sam Okafor",
    sinceDaysAgo: 800,
    tier: "standard",
    orders: 9,
    refunds: 0,
    notes: [[200, "Reported a late delivery; courier issue, apologised."]],
  },
  {
    email: "lena.fischer@example.com",
    name: "Lena Fischer",
    sinceDaysAgo: 1500,
    tier: "gold",
    orders: 31,
    refunds: 2,
    notes: [[2, "Cushions from order 1046 arrived stained; refunded 40.00 EUR under REF-2.1."]],
  },
];

async function setup(sql: Sql): Promise<void> {
  await sql.exec(SCHEMA);
  for (const c of SEED) {
    await sql.query(`insert into customers values ($1, $2, make_interval(days => $3), $4, $5, $6)`, [c.email, c.name, c.sinceDaysAgo, c.tier, c.orders, c.refunds]);
    for (const [n, [daysAgo, note]] of c.notes.entries()) {
      await sql.query(`insert into notes (note_id, email, note, created_at) values ($1, $2, $3, now() - make_interval(days => $4))`, [
        `note_seed_${c.email.split("@")[0]}_${n}`,
        c.email,
        note,
        daysAgo,
      ]);
    }
  }
}

const database = openDemoDatabase("crm", setup);
const db = async () => (await database).pg;

const emailArg = { email: z.string().min(3).describe("The customer's email address") };
const noteShape = z.object({ noteId: z.string(), note: z.string(), createdAt: z.string() });

interface CustomerRow {
  email: string;
  name: string;
  since: Date;
  tier: string;
  lifetime_orders: number;
  prior_refunds: number;
}

async function findCustomer(sql: Sql, email: string): Promise<CustomerRow | null> {
  const res = await sql.query<CustomerRow>(
    `select email, name, now() - since_ago as since, tier, lifetime_orders, prior_refunds from customers where email = lower($1)`,
    [email.trim()],
  );
  return res.rows[0] ?? null;
}

async function notesOf(sql: Sql, email: string) {
  const res = await sql.query<{ note_id: string; note: string; created_at: Date }>(
    `select note_id, note, created_at from notes where email = $1 order by created_at, note_id`,
    [email],
  );
  return res.rows.map((n) => ({ noteId: n.note_id, note: n.note, createdAt: n.created_at.toISOString() }));
}

const day = (d: Date) => d.toISOString().slice(0, 10);

const server = createServer("steward-demo-crm", "1.0.0", "The customer record system: who a customer is, their order and refund history, and notes agents left.");

server.registerTool(
  "get_customer",
  {
    title: "Get customer",
    description: "Look up a customer by email: name, tier and since when they are a customer.",
    inputSchema: emailArg,
    outputSchema: { email: z.string(), name: z.string(), tier: z.string(), customerSince: z.string() },
    annotations: READ_ONLY,
  },
  async ({ email }) => {
    const c = await findCustomer(await db(), email);
    if (!c) return fail(`No customer with email ${email}`);
    return ok({ email: c.email, name: c.name, tier: c.tier, customerSince: day(c.since) });
  },
);

server.registerTool(
  "get_history",
  {
    title: "Get customer history",
    description: "A customer's history: customer since, lifetime orders, refunds they had before, and agents' notes (oldest first).",
    inputSchema: emailArg,
    outputSchema: { customerSince: z.string(), lifetimeOrders: z.number(), priorRefunds: z.number(), notes: z.array(z.string()) },
    annotations: READ_ONLY,
  },
  async ({ email }) => {
    const pg = await db();
    const c = await findCustomer(pg, email);
    if (!c) return fail(`No customer with email ${email}`);
    const notes = await notesOf(pg, c.email);
    return ok({
      customerSince: day(c.since),
      lifetimeOrders: c.lifetime_orders,
      priorRefunds: c.prior_refunds,
      notes: notes.map((n) => `${n.createdAt.slice(0, 10)}: ${n.note}`),
    });
  },
);

server.registerTool(
  "list_notes",
  {
    title: "List notes",
    description: "All notes on a customer's record, oldest first.",
    inputSchema: emailArg,
    outputSchema: { email: z.string(), notes: z.array(noteShape) },
    annotations: READ_ONLY,
  },
  async ({ email }) => {
    const pg = await db();
    const c = await findCustomer(pg, email);
    if (!c) return fail(`No customer with email ${email}`);
    return ok({ email: c.email, notes: await notesOf(pg, c.email) });
  },
);

// Support tickets still open, for digests (issue #13's "Daily open-ticket digest"): fixed, read-only.
const OPEN_TICKETS = [
  { ticketId: "T-301", email: "dana@example.com", subject: "Refund for the mug set not received yet", amount: 42.5, openedDaysAgo: 1 },
  { ticketId: "T-302", email: "marcus.lee@example.com", subject: "Headphones stopped charging", amount: 129.9, openedDaysAgo: 3 },
  { ticketId: "T-303", email: "priya.natarajan@example.com", subject: "Which size is the yoga strap?", amount: 0, openedDaysAgo: 0 },
  { ticketId: "T-304", email: "lena.fischer@example.com", subject: "One oak chair arrived scratched", amount: 100, openedDaysAgo: 6 },
];

server.registerTool(
  "list_open_tickets",
  {
    title: "List open tickets",
    description: "Support tickets still open: id, customer email, subject, the amount at stake (EUR) and how many days it has been open.",
    inputSchema: {},
    outputSchema: {
      tickets: z.array(z.object({ ticketId: z.string(), email: z.string(), subject: z.string(), amount: z.number(), openedDaysAgo: z.number() })),
    },
    annotations: READ_ONLY,
  },
  async () => ok({ tickets: OPEN_TICKETS }),
);

server.registerTool(
  "add_note",
  {
    title: "Add note",
    description: "Add a note to a customer's record, e.g. the outcome of a refund request and the policy clause that applied.",
    inputSchema: { ...emailArg, note: z.string().min(1).max(2000).describe("The note text") },
    outputSchema: { noteId: z.string(), email: z.string(), note: z.string(), createdAt: z.string() },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async ({ email, note }, extra) => {
    const key = idempotencyKey(extra);
    return (await db()).transaction(async (tx) => {
      const c = await findCustomer(tx, email);
      if (!c) return fail(`No customer with email ${email}`);
      if (key) {
        const prior = await tx.query<{ note_id: string; email: string; note: string; created_at: Date }>(
          `select note_id, email, note, created_at from notes where idempotency_key = $1`,
          [key],
        );
        const p = prior.rows[0];
        // A retried call: the note was written the first time; answer with it instead of a copy.
        if (p) return ok({ noteId: p.note_id, email: p.email, note: p.note, createdAt: p.created_at.toISOString() });
      }
      const noteId = `note_${crypto.randomBytes(6).toString("hex")}`;
      const res = await tx.query<{ created_at: Date }>(
        `insert into notes (note_id, email, note, idempotency_key) values ($1, $2, $3, $4) returning created_at`,
        [noteId, c.email, note, key],
      );
      return ok({ noteId, email: c.email, note, createdAt: (res.rows[0]?.created_at ?? new Date()).toISOString() });
    });
  },
);

await serveStdio(server, database);
