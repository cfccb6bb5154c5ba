// Demo MCP server: a small shop's orders, payments and refunds (stdio).
// Start: node demo/mcp/run.mjs commerce   (data dir: DEMO_DATA_DIR, default .steward/demo/commerce)
import crypto from "node:crypto";
import { z } from "zod";
import { openDemoDatabase, type Sql } from "./lib/demo-db";
import { READ_ONLY, createServer, fail, idempotencyKey, money, ok, serveStdio } from "./lib/serve";

// Dates are stored as "how long ago" and turned into timestamps when read, so the demo story
// ("delivered 9 days ago") stays true however long after seeding it is played.
const SCHEMA = `
create table orders (
  order_id text primary key,
  customer_email text not null,
  customer_name text not null,
  placed_ago interval not null,
  delivered_ago interval,
  status text not null,
  currency text not null,
  total numeric(10,2) not null
);
create table order_items (
  order_id text not null references orders(order_id),
  position int not null,
  sku text not null,
  name text not null,
  qty int not null,
  price numeric(10,2) not null,
  primary key (order_id, position)
);
create table payments (
  payment_id text primary key,
  order_id text not null unique references orders(order_id),
  method text not null,
  captured boolean not null,
  amount numeric(10,2) not null,
  currency text not null
);
create table refunds (
  refund_id text primary key,
  order_id text not null references orders(order_id),
  amount numeric(10,2) not null check (amount > 0),
  currency text not null,
  reason text not null,
  status text not null,
  idempotency_key text unique,
  created_at timestamptz not null default now()
);
`;

interface SeedOrder {
  id: string;
  email: string;
  name: string;
  placedDaysAgo: number;
  deliveredDaysAgo: number | null;
  status: string;
  items: { sku: string; name: string; qty: number; price: number }[];
  payment: { method: string; captured: boolean };
  priorRefunds?: { amount: number; reason: string }[];
}

const SEED: SeedOrder[] = [
  {
    id: "1042",
    email: "dana@example.com",
    name: "Dana Whitfield",
    placedDaysAgo: 12,
    deliveredDaysAgo: 9,
    status: "delivered",
    items: [
      { sku: "MUG-CER-2", name: "Stoneware mug set (2)", qty: 1, price: 45.0 },
      { sku: "TEA-SMP-10", name: "Loose-leaf tea sampler", qty: 2, price: 20.0 },
    ],
    payment: { method: "card", captured: true },
  },
  {
    id: "1043",
    email: "marcus.lee@example.com",
    name: "Marcus Lee",
    placedDaysAgo: 49,
    deliveredDaysAgo: 45,
    status: "delivered",
    items: [{ sku: "HP-WL-01", name: "Wireless headphones", qty: 1, price: 129.9 }],
    payment: { method: "paypal", captured: true },
  },
  {
    id: "1044",
    email: "priya.natarajan@example.com",
    name: "Priya Natarajan",
    placedDaysAgo: 2,
    deliveredDaysAgo: null,
    status: "processing",
    items: [
      { sku: "YOGA-MAT-P", name: "Yoga mat, purple", qty: 1, price: 39.5 },
      { sku: "STRAP-01", name: "Cotton yoga strap", qty: 1, price: 15.0 },
    ],
    payment: { method: "card", captured: false },
  },
  {
    id: "1045",
    email: "sam.okafor@example.com",
    name: "Sam Okafor",
    placedDaysAgo: 24,
    deliveredDaysAgo: 20,
    status: "delivered",
    items: [{ sku: "LAMP-DSK-3", name: "Brass desk lamp", qty: 1, price: 60.0 }],
    payment: { method: "card", captured: true },
  },
  {
    id: "1046",
    email: "lena.fischer@example.com",
    name: "Lena Fischer",
    placedDaysAgo: 6,
    deliveredDaysAgo: 3,
    status: "delivered",
    items: [
      { sku: "CHAIR-OAK", name: "Oak dining chair", qty: 2, price: 100.0 },
      { sku: "CUSH-LIN", name: "Linen seat cushion", qty: 2, price: 20.0 },
    ],
    payment: { method: "card", captured: true },
    priorRefunds: [{ amount: 40.0, reason: "Cushions arrived stained (REF-2.1)" }],
  },
  {
    id: "1047",
    email: "sam.okafor@example.com",
    name: "Sam Okafor",
    placedDaysAgo: 10,
    deliveredDaysAgo: 6,
    status: "delivered",
    items: [{ sku: "SHELF-WAL", name: "Walnut wall shelf", qty: 1, price: 90.0 }],
    payment: { method: "card", captured: true },
  },
];

async function setup(sql: Sql): Promise<void> {
  await sql.exec(SCHEMA);
  for (const o of SEED) {
    const total = o.items.reduce((sum, i) => sum + i.qty * i.price, 0);
    await sql.query(
      `insert into orders values ($1, $2, $3, make_interval(days => $4), case when $5::int is null then null else make_interval(days => $5::int) end, $6, 'EUR', $7)`,
      [o.id, o.email, o.name, o.placedDaysAgo, o.deliveredDaysAgo, o.status, total],
    );
    for (const [position, i] of o.items.entries()) {
      await sql.query(`insert into order_items values ($1, $2, $3, $4, $5, $6)`, [o.id, position, i.sku, i.name, i.qty, i.price]);
    }
    await sql.query(`insert into payments values ($1, $2, $3, $4, $5, 'EUR')`, [`pay_${o.id}`, o.id, o.payment.method, o.payment.captured, total]);
    for (const [n, r] of (o.priorRefunds ?? []).entries()) {
      await sql.query(
        `insert into refunds (refund_id, order_id, amount, currency, reason, status, created_at) values ($1, $2, $3, 'EUR', $4, 'posted', now() - interval '2 days')`,
        [
          `rf_seed_${o.id}_${n}`,
          o.id,
          r.amount,
          r.reason,
        ],
      );
    }
  }
}

// Opened in the background: the MCP handshake and tools/list need no data, so they answer at once.
const database = openDemoDatabase("commerce", setup);
const db = async () => (await database).pg;

const orderIdArg = { orderId: z.string().min(1).describe("The order number, e.g. 1042") };

const itemShape = z.object({ sku: z.string(), name: z.string(), qty: z.number(), price: z.number() });
const orderShape = {
  orderId: z.string(),
  customerEmail: z.string(),
  customerName: z.string(),
  placedAt: z.string(),
  deliveredAt: z.string().nullable(),
  status: z.string(),
  currency: z.literal("EUR"),
  total: z.number(),
  items: z.array(itemShape),
};
const paymentShape = {
  paymentId: z.string(),
  orderId: z.string(),
  method: z.string(),
  captured: z.boolean(),
  amount: z.number(),
  currency: z.string(),
  refundedAmount: z.number(),
};
const refundShape = { refundId: z.string(), orderId: z.string(), amount: z.number(), currency: z.string(), status: z.literal("posted") };
const refundRowShape = z.object({ refundId: z.string(), amount: z.number(), currency: z.string(), reason: z.string(), status: z.string(), createdAt: z.string() });

type Order = z.infer<z.ZodObject<typeof orderShape>>;

async function loadOrder(orderId: string): Promise<Order | null> {
  const pg = await db();
  const res = await pg.query<{ order_id: string; customer_email: string; customer_name: string; placed_at: Date; delivered_at: Date | null; status: string; total: string }>(
    `select order_id, customer_email, customer_name, now() - placed_ago as placed_at, now() - delivered_ago as delivered_at, status, total
       from orders where order_id = $1`,
    [orderId],
  );
  const o = res.rows[0];
  if (!o) return null;
  const items = await pg.query<{ sku: string; name: string; qty: number; price: string }>(
    `select sku, name, qty, price from order_items where order_id = $1 order by position`,
    [orderId],
  );
  return {
    orderId: o.order_id,
    customerEmail: o.customer_email,
    customerName: o.customer_name,
    placedAt: o.placed_at.toISOString(),
    deliveredAt: o.delivered_at ? o.delivered_at.toISOString() : null,
    status: o.status,
    currency: "EUR",
    total: money(o.total),
    items: items.rows.map((i) => ({ sku: i.sku, name: i.name, qty: i.qty, price: money(i.price) })),
  };
}

async function refundedAmount(sql: Sql, orderId: string): Promise<number> {
  const res = await sql.query<{ sum: string }>(`select coalesce(sum(amount), 0) as sum from refunds where order_id = $1`, [orderId]);
  return money(res.rows[0]?.sum ?? 0);
}

const server = createServer(
  "steward-demo-commerce",
  "1.0.0",
  "A shop's order system: look up orders and payments, list refunds, and issue refunds to the original payment method.",
);

server.registerTool(
  "get_order",
  {
    title: "Get order",
    description: "Look up an order by its number: customer, dates (placed, delivered), status, total and line items. Amounts are in EUR.",
    inputSchema: orderIdArg,
    outputSchema: orderShape,
    annotations: READ_ONLY,
  },
  async ({ orderId }) => {
    const order = await loadOrder(orderId);
    return order ? ok(order) : fail(`No order with number ${orderId}`);
  },
);

server.registerTool(
  "get_payment",
  {
    title: "Get payment",
    description: "The payment for an order: method, whether it was captured, amount, and how much has been refunded so far.",
    inputSchema: orderIdArg,
    outputSchema: paymentShape,
    annotations: READ_ONLY,
  },
  async ({ orderId }) => {
    const pg = await db();
    const res = await pg.query<{ payment_id: string; method: string; captured: boolean; amount: string; currency: string }>(
      `select payment_id, method, captured, amount, currency from payments where order_id = $1`,
      [orderId],
    );
    const p = res.rows[0];
    if (!p) return fail(`No payment for order ${orderId}`);
    return ok({
      paymentId: p.payment_id,
      orderId,
      method: p.method,
      captured: p.captured,
      amount: money(p.amount),
      currency: p.currency,
      refundedAmount: await refundedAmount(pg, orderId),
    });
  },
);

server.registerTool(
  "list_refunds",
  {
    title: "List refunds",
    description: "All refunds posted for an order, oldest first, with the total refunded.",
    inputSchema: orderIdArg,
    outputSchema: { orderId: z.string(), refunds: z.array(refundRowShape), refundedAmount: z.number() },
    annotations: READ_ONLY,
  },
  async ({ orderId }) => {
    const pg = await db();
    const exists = await pg.query(`select 1 from orders where order_id = $1`, [orderId]);
    if (!exists.rows.length) return fail(`No order with number ${orderId}`);
    const res = await pg.query<{ refund_id: string; amount: string; currency: string; reason: string; status: string; created_at: Date }>(
      `select refund_id, amount, currency, reason, status, created_at from refunds where order_id = $1 order by created_at, refund_id`,
      [orderId],
    );
    const refunds = res.rows.map((r) => ({
      refundId: r.refund_id,
      amount: money(r.amount),
      currency: r.currency,
      reason: r.reason,
      status: r.status,
      createdAt: r.created_at.toISOString(),
    }));
    return ok({ orderId, refunds, refundedAmount: money(refunds.reduce((s, r) => s + r.amount, 0)) });
  },
);

server.registerTool(
  "issue_refund",
  {
    title: "Issue refund",
    description:
      "Refund part or all of an order's captured payment to the original payment method. The amount must be positive and at most the amount not yet refunded.",
    inputSchema: {
      orderId: z.string().min(1).describe("The order number"),
      amount: z.number().describe("Amount to refund, in the order's currency, two decimals"),
      currency: z.string().length(3).describe("ISO currency code; must match the order (EUR)"),
      reason: z.string().min(1).max(500).describe("Why the refund is issued, e.g. the policy clause that applies"),
    },
    outputSchema: refundShape,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  async ({ orderId, amount: rawAmount, currency, reason }, extra) => {
    const key = idempotencyKey(extra);
    const amount = money(rawAmount);
    return (await db()).transaction(async (tx) => {
      if (key) {
        const prior = await tx.query<{ refund_id: string; order_id: string; amount: string; currency: string; status: string }>(
          `select refund_id, order_id, amount, currency, status from refunds where idempotency_key = $1`,
          [key],
        );
        const p = prior.rows[0];
        if (p) {
          // A retry of a refund that already happened: answer as the first time, move no money.
          if (p.order_id !== orderId || money(p.amount) !== amount || p.currency !== currency.toUpperCase()) {
            return fail(`Idempotency key ${key} was already used for a different refund (${p.refund_id} on order ${p.order_id})`);
          }
          return ok({ refundId: p.refund_id, orderId, amount: money(p.amount), currency: p.currency, status: "posted" as const });
        }
      }
      const payment = await tx.query<{ captured: boolean; amount: string; currency: string }>(
        `select captured, amount, currency from payments where order_id = $1`,
        [orderId],
      );
      const pay = payment.rows[0];
      if (!pay) return fail(`No order with number ${orderId}`);
      if (!pay.captured) return fail(`Order ${orderId}'s payment has not been captured: there is nothing to refund yet`);
      if (currency.toUpperCase() !== pay.currency) return fail(`currency must be ${pay.currency} for order ${orderId}, not ${currency}`);
      if (!(amount > 0)) return fail(`amount must be greater than 0 (got ${rawAmount})`);
      const remaining = money(money(pay.amount) - (await refundedAmount(tx, orderId)));
      if (amount > remaining) {
        return fail(`amount ${amount.toFixed(2)} exceeds the refundable amount of order ${orderId}: ${remaining.toFixed(2)} ${pay.currency} remains`);
      }
      const refundId = `rf_${crypto.randomBytes(6).toString("hex")}`;
      await tx.query(
        `insert into refunds (refund_id, order_id, amount, currency, reason, status, idempotency_key) values ($1, $2, $3, $4, $5, 'posted', $6)`,
        [refundId, orderId, amount, pay.currency, reason, key],
      );
      return ok({ refundId, orderId, amount, currency: pay.currency, status: "posted" as const });
    });
  },
);

await serveStdio(server, database);
