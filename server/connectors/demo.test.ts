import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import { demoConnectorConfigs, registerDemoConnectors } from "./demo";
import { setTestSecretKey } from "./fixtures/test-helpers";
import { ConnectorPool } from "./pool";
import { listConnectors } from "./service";
import { createToolPort } from "./tool-port-impl";
import type { ToolPort } from "./tool-port";

setTestSecretKey();

const DAY = 24 * 60 * 60 * 1000;

describe("demoConnectorConfigs", () => {
  it("gives stdio configs with absolute paths to the launcher", () => {
    const configs = demoConnectorConfigs({ dataDir: "/tmp/steward-demo-x" });
    expect(configs.map((c) => c.name)).toEqual(["commerce", "crm"]);
    for (const c of configs) {
      expect(c.transport).toBe("stdio");
      expect(c.stdio?.command).toBe(process.execPath);
      expect(c.stdio?.args).toEqual([path.join(process.cwd(), "demo/mcp/run.mjs"), c.name]);
      expect(fs.existsSync(c.stdio?.args?.[0] ?? "")).toBe(true);
      expect(c.stdio?.env?.DEMO_DATA_DIR).toBe(path.join("/tmp/steward-demo-x", c.name));
    }
  });
});

// One data dir for the whole file: each demo server initialises its PGlite once (seconds), and
// later blocks reopen it. Only the behaviour block below changes data.
let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-demo-"));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.each(testDatabases())("registerDemoConnectors on $name", (tdb) => {
  let database: Database;
  let port: ToolPort;
  const pool = new ConnectorPool();

  beforeAll(async () => {
    database = await tdb.open();
    port = createToolPort(database, pool);
  });
  afterAll(async () => {
    await pool.closeAll();
    await database?.close();
  });

  it("registers, refreshes and approves the two servers, idempotently", async () => {
    const first = await registerDemoConnectors(database, { dataDir }, pool);
    expect(first).toEqual({ registered: ["commerce", "crm"], refreshed: ["commerce", "crm"] });
    const second = await registerDemoConnectors(database, { dataDir }, pool);
    expect(second).toEqual({ registered: [], refreshed: [] });
    const views = await listConnectors(database.db);
    expect(views.map((v) => [v.name, v.serverName, v.toolCounts.approved])).toEqual([
      ["commerce", "steward-demo-commerce", 4],
      ["crm", "steward-demo-crm", 5],
    ]);
  }, 120_000);

  it("declares annotations that gate exactly the state-changing tools", async () => {
    const tools = new Map((await port.listTools()).map((t) => [t.ref, t]));
    for (const ref of ["commerce.get_order", "commerce.get_payment", "commerce.list_refunds", "crm.get_customer", "crm.get_history", "crm.list_notes", "crm.list_open_tickets"]) {
      expect(tools.get(ref)).toMatchObject({ policy: "autonomous", annotations: { readOnlyHint: true } });
    }
    expect(tools.get("commerce.issue_refund")).toMatchObject({
      policy: "gated",
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    });
    expect(tools.get("crm.add_note")).toMatchObject({ policy: "gated", annotations: { readOnlyHint: false, destructiveHint: false } });
  });

  it("answers a call through the tool port", async () => {
    const res = await port.callTool("commerce.get_order", { orderId: "1042" });
    expect(res.value).toMatchObject({ orderId: "1042", customerEmail: "dana@example.com" });
  }, 90_000);
});

// The servers' behaviour does not depend on Steward's database, so it is checked once.
describe("demo MCP servers", () => {
  let database: Database;
  let port: ToolPort;
  const pool = new ConnectorPool();

  beforeAll(async () => {
    database = await openDatabase({ driver: "pglite" });
    await registerDemoConnectors(database, { dataDir }, pool);
    port = createToolPort(database, pool);
  }, 120_000);
  afterAll(async () => {
    await pool.closeAll();
    await database?.close();
  });

  it("serves order 1042 for Dana, delivered 9 days ago", async () => {
    const res = await port.callTool("commerce.get_order", { orderId: "1042" });
    expect(res.isError).toBe(false);
    const order = res.value as { deliveredAt: string; items: { price: number; qty: number }[] };
    expect(order).toMatchObject({ orderId: "1042", customerEmail: "dana@example.com", customerName: "Dana Whitfield", currency: "EUR", total: 85, status: "delivered" });
    expect(order.items).toHaveLength(2);
    expect(order.items.reduce((s, i) => s + i.price * i.qty, 0)).toBe(85);
    expect(Math.round((Date.now() - Date.parse(order.deliveredAt)) / DAY)).toBe(9);

    const old = (await port.callTool("commerce.get_order", { orderId: "1043" })).value as { deliveredAt: string };
    expect(Math.round((Date.now() - Date.parse(old.deliveredAt)) / DAY)).toBe(45);
    const uncaptured = await port.callTool("commerce.get_payment", { orderId: "1044" });
    expect(uncaptured.value).toMatchObject({ orderId: "1044", captured: false, refundedAmount: 0 });
    const missing = await port.callTool("commerce.get_order", { orderId: "9999" });
    expect(missing).toMatchObject({ isError: true, text: "No order with number 9999" });
  }, 60_000);

  it("issues a refund once per idempotency key and refuses impossible amounts", async () => {
    const args = { orderId: "1042", amount: 42.5, currency: "EUR", reason: "Opened item, returned on day 9 (REF-1.2)" };
    const first = await port.callTool("commerce.issue_refund", args, { idempotencyKey: "run-1:refund" });
    const retry = await port.callTool("commerce.issue_refund", args, { idempotencyKey: "run-1:refund" });
    expect(first.isError).toBe(false);
    expect(first.value).toMatchObject({ orderId: "1042", amount: 42.5, currency: "EUR", status: "posted" });
    expect(retry.value).toEqual(first.value);

    const listed = await port.callTool("commerce.list_refunds", { orderId: "1042" });
    expect(listed.value).toMatchObject({ refundedAmount: 42.5, refunds: [{ refundId: (first.value as { refundId: string }).refundId }] });

    const tooMuch = await port.callTool("commerce.issue_refund", { ...args, amount: 50 }, { idempotencyKey: "run-2:refund" });
    expect(tooMuch).toMatchObject({ isError: true, text: "amount 50.00 exceeds the refundable amount of order 1042: 42.50 EUR remains" });
    const zero = await port.callTool("commerce.issue_refund", { ...args, amount: 0 });
    expect(zero).toMatchObject({ isError: true, text: "amount must be greater than 0 (got 0)" });
    const notCaptured = await port.callTool("commerce.issue_refund", { ...args, orderId: "1044", amount: 10 });
    expect(notCaptured.isError).toBe(true);
    const reused = await port.callTool("commerce.issue_refund", { ...args, amount: 1 }, { idempotencyKey: "run-1:refund" });
    expect(reused.text).toMatch(/already used for a different refund/);

    // The refund is in the server's own database: still there after the server restarts.
    await pool.closeAll();
    const afterRestart = await port.callTool("commerce.list_refunds", { orderId: "1042" });
    expect((afterRestart.value as { refunds: unknown[] }).refunds).toHaveLength(1);
  }, 60_000);

  it("keeps a customer's history and adds a note once per idempotency key", async () => {
    const history = await port.callTool("crm.get_history", { email: "dana@example.com" });
    expect(history.value).toMatchObject({ lifetimeOrders: 23, priorRefunds: 1 });
    expect((history.value as { notes: string[] }).notes).toHaveLength(2);
    const customer = await port.callTool("crm.get_customer", { email: "Dana@Example.com" });
    expect(customer.value).toMatchObject({ name: "Dana Whitfield", tier: "gold" });

    const note = { email: "dana@example.com", note: "Refund of 42.50 EUR approved under REF-1.2." };
    const a = await port.callTool("crm.add_note", note, { idempotencyKey: "run-1:note" });
    const b = await port.callTool("crm.add_note", note, { idempotencyKey: "run-1:note" });
    expect(b.value).toEqual(a.value);
    const notes = await port.callTool("crm.list_notes", { email: "dana@example.com" });
    expect((notes.value as { notes: { note: string }[] }).notes.filter((n) => n.note === note.note)).toHaveLength(1);
  });
});
