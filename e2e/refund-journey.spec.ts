import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { test, expect, shot, signIn, USERS } from "./fixtures";
import { ROOT, startServer, type StartedServer } from "./server";

// The refund adjudication journey as the seed tells it, end to end, by the people in it: Dana asks
// for a refund on the portal, an approver reads why on the run's graph, lowers the amount and
// approves, the shop and the CRM record it, and Dana's status page shows the decision.
//
// It runs on a server of its own with fresh demo data, as after `npm start`: other specs refund
// parts of the shared server's order 1042, and the README's screenshots come from this test.

const TRY_IT = path.join(ROOT, "docs", "try-it");
const LOWERED = 35;
const REASON = "I opened the mug set and it isn't what I expected. The tea sampler is unopened. Can I send both back?";

/** A step of the README walkthrough: the window as the person sees it, 1440×900. */
async function step(page: Page, name: string) {
  fs.mkdirSync(TRY_IT, { recursive: true });
  await page.screenshot({ path: path.join(TRY_IT, `${name}.png`), animations: "disabled", caret: "hide" });
}

/** Calls a demo MCP server's own tool over stdio, on its data dir: what the shop or the CRM itself holds. */
async function askDemoServer<T>(dataDir: string, server: "commerce" | "crm", tool: string, args: Record<string, unknown>): Promise<T> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(ROOT, "demo/mcp/run.mjs"), server],
    env: { ...(process.env as Record<string, string>), DEMO_DATA_DIR: path.join(dataDir, "demo", server) },
    cwd: ROOT,
    stderr: "pipe",
  });
  const client = new Client({ name: "refund-journey-check", version: "1.0.0" });
  await client.connect(transport);
  try {
    const res = await client.callTool({ name: tool, arguments: args });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    return res.structuredContent as T;
  } finally {
    await client.close();
  }
}

interface AuditRecord {
  run: { status: string } | null;
  verdict: { outcome: string; summary: string } | null;
  entries: { action: string; actorLabel: string | null; targetType: string | null; data: Record<string, unknown> }[];
}

test("a refund request from the portal to the verdict, as Dana and an approver live it", async ({ browser }) => {
  // Generous: a fresh server seeds its demo data first, and the machine may be shared.
  test.setTimeout(900_000);
  const server: StartedServer = await startServer({ port: Number(process.env.E2E_PORT ?? 3210) + 2 });
  const viewport = { width: 1440, height: 900 };
  try {
    // 1. Dana opens the portal and asks for a refund; she forgets the order number at first.
    const customer = await browser.newContext({ baseURL: server.url, viewport });
    const dana = await customer.newPage();
    await dana.goto("/p/refunds");
    await expect(dana.getByTestId("portal-title")).toHaveText("Request a refund");
    await dana.getByTestId("portal-field-email").fill("dana@example.com");
    await dana.getByTestId("portal-field-reason").fill(REASON);
    await dana.getByTestId("portal-submit").click();
    await expect(dana.getByTestId("portal-form-summary")).toHaveText("One field needs your attention.");
    await expect(dana.getByTestId("portal-error-orderId")).toHaveText("Order number is required.");
    await expect(dana.getByTestId("portal-field-orderId")).toBeFocused();
    await expect(dana).toHaveURL(/\/p\/refunds$/);
    await dana.getByTestId("portal-field-orderId").fill("1042");
    await expect(dana.getByTestId("portal-error-orderId")).toBeHidden();
    await expect(dana.getByTestId("portal-field-reason")).toHaveValue(REASON);
    await step(dana, "1-portal");
    await dana.getByTestId("portal-submit").click();

    // 2. Her status page: received, then under review while the Workers check it.
    await dana.waitForURL(/\/p\/refunds\/status\/[A-Za-z0-9_-]{22}$/);
    const statusUrl = dana.url();
    await expect(dana.getByTestId("portal-step-received")).toHaveAttribute("data-state", "done");
    await expect(dana.getByTestId("portal-headline")).toHaveText(/We've received your request|Your request is under review/);
    const reference = ((await dana.getByTestId("portal-reference").textContent()) ?? "").replace("Reference ", "");
    expect(reference).toMatch(/^[0-9A-F]{8}$/);
    await expect(dana.getByTestId("portal-headline")).toHaveText("Your request is under review", { timeout: 180_000 });
    await expect(dana.getByTestId("portal-step-under_review")).toHaveAttribute("data-state", "current");
    await step(dana, "2-status");

    // 3. An approver, in a browser of their own, finds the run waiting and reads why on its graph.
    const approverContext = await browser.newContext({ baseURL: server.url, viewport });
    const approver = await approverContext.newPage();
    await signIn(approver, "approver", "/runs");
    await expect(approver.getByTestId("decisions-badge")).toHaveText("1", { timeout: 180_000 });
    const row = approver.getByTestId("run-row").filter({ hasText: "Refund adjudication" });
    await expect(row).toHaveCount(1);
    await row.getByRole("link").first().click();
    await approver.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = new URL(approver.url()).pathname.split("/").pop()!;
    const refundNode = approver.getByTestId("node-refund");
    await expect(refundNode).toHaveAttribute("data-status", "waiting", { timeout: 120_000 });
    await expect(approver.getByTestId("node-ground")).toHaveAttribute("data-status", "succeeded");
    await expect(approver.getByTestId("node-reason")).toHaveAttribute("data-status", "succeeded");
    // The Explain rail holds the Workers' Observations; the citations name the clause they applied.
    await approver.getByTestId("rail-kind-citation").dblclick();
    const citation = approver.locator('[data-testid="obs-row"][data-kind="citation"]').first();
    await expect(citation).toContainText("REF-1.2");
    await citation.click();
    await expect(approver.getByTestId("citation")).toContainText("REF-1.2");
    await expect(approver.getByTestId("citation")).toContainText("for opened items");
    await step(approver, "3-why");
    await approver.getByRole("button", { name: "Clear" }).click();

    // 4. A click on the waiting approval opens its decision beside the graph: lower the amount, approve.
    await refundNode.click();
    await expect(approver.getByTestId("side-tab-decision")).toHaveAttribute("aria-selected", "true");
    const panel = approver.getByTestId("run-decision").getByTestId("decision-panel");
    await expect(panel).toHaveAttribute("data-can-decide", "true");
    await expect(panel.getByTestId("decision-title")).toHaveText("Refund for order 1042: 42.50 EUR");
    await expect(panel.getByTestId("decision-citation").first()).toContainText("REF-1.2");
    await shot(approver, "refund-journey-decision-beside-graph");
    await panel.locator("#value-amount").fill("forty");
    await expect(panel.getByTestId("proposed-value").filter({ hasText: "Amount" })).toContainText("must be a number");
    await expect(panel.getByTestId("approve-decision")).toBeDisabled();
    await panel.locator("#value-amount").fill(String(LOWERED));
    await expect(panel.getByTestId("decision-changed-count")).toHaveText("1 value changed");
    await expect(panel.getByTestId("proposed-value").filter({ hasText: "Amount" })).toContainText("Proposed: 42.5");
    await panel.getByTestId("decision-reason").fill("The tea sampler came back unopened, the mugs were used: 35.00 under REF-1.2.");
    // Scrolled as a person would to decide: the values at the top, the buttons in view.
    await panel.getByRole("heading", { name: "Proposed values" }).evaluate((el) => el.scrollIntoView({ block: "start" }));
    await expect(panel.getByTestId("approve-decision")).toBeInViewport();
    await step(approver, "4-decide");
    await panel.getByTestId("approve-decision").click();
    const diff = approver.getByTestId("diff-row");
    await expect(diff).toHaveCount(1);
    await expect(diff.getByTestId("diff-from")).toHaveText("42.5");
    await expect(diff.getByTestId("diff-to")).toHaveText(String(LOWERED));
    await approver.getByTestId("confirm-decision").click();
    await expect(approver.getByText("Approved. The run continues", { exact: false }).first()).toBeVisible();

    // Noting it in the CRM is a state-changing tool call: it waits for its own yes, given on the graph too.
    const noteNode = approver.getByTestId("node-crm_note");
    await expect(noteNode).toHaveAttribute("data-status", "waiting", { timeout: 120_000 });
    await expect(approver.getByTestId("node-issue_refund")).toHaveAttribute("data-status", "succeeded");
    await noteNode.click();
    const notePanel = approver.getByTestId("run-decision").getByTestId("decision-panel");
    await expect(notePanel.getByTestId("decision-title")).toContainText(`Refund of ${LOWERED} EUR`);
    await notePanel.getByTestId("approve-decision").click();
    await approver.getByTestId("confirm-decision").click();

    // 5. The run finishes: partial, with the lowered amount.
    await expect(approver.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
    for (const n of ["refund", "issue_refund", "crm_note", "verdict"]) await expect(approver.getByTestId(`node-${n}`)).toHaveAttribute("data-status", "succeeded");
    await expect(approver.getByTestId("verdict-outcome")).toHaveText("partial");
    await expect(approver.getByTestId("run-summary")).toContainText(`Refunded ${LOWERED} EUR for order 1042`);
    await expect(approver.getByTestId("decisions-badge")).toHaveCount(0);
    // The note, still selected, now shows what it sent and what the CRM answered; close it to read the verdict.
    const notePanelDone = approver.getByTestId("node-panel");
    await expect(notePanelDone).toHaveAttribute("data-node", "crm_note");
    await expect(notePanelDone.getByTestId("call-args").locator('[data-arg="note"]')).toHaveText(`noteRefund of ${LOWERED} EUR issued for order 1042`);
    await expect(notePanelDone.getByTestId("tool-call-outcome")).toHaveText("Answered");
    await notePanelDone.getByRole("button", { name: "Close" }).click();
    await approver.getByTestId("node-verdict").click();
    await expect(approver.getByTestId("node-panel")).toHaveAttribute("data-node", "verdict");
    await step(approver, "5-verdict");

    // The run's audit record: every act, in order, and the chain verifies.
    const audit = (await (await approver.request.get(`/api/v1/runs/${runId}/audit`)).json()) as AuditRecord;
    expect(audit.verdict).toEqual({ outcome: "partial", summary: `Refunded ${LOWERED} EUR for order 1042` });
    const actions = audit.entries.map((e) => e.action);
    // The run is stored (run.started), then the portal records the request it came from.
    expect(actions.slice(0, 2), JSON.stringify(actions)).toEqual(["run.started", "portal.request_received"]);
    expect(actions.at(-1), JSON.stringify(actions)).toBe("run.verdict");
    const decided = audit.entries.filter((e) => e.action === "decision.decided");
    expect(decided, JSON.stringify(actions)).toHaveLength(2);
    expect(decided[0]?.actorLabel).toBe(USERS.approver.email);
    expect(decided[0]?.data).toMatchObject({ before: { amount: 42.5 }, after: { amount: LOWERED } });
    // Each call to a system of record, once, with what was sent.
    const calls = audit.entries.filter((e) => e.action === "tool.called");
    expect(calls.map((e) => (e.data as { tool?: string }).tool)).toEqual(["commerce.issue_refund", "crm.add_note"]);
    expect(calls[0]?.data).toMatchObject({ args: { amount: LOWERED }, isError: false });
    const adminContext = await browser.newContext({ baseURL: server.url, viewport });
    const admin = await adminContext.newPage();
    await signIn(admin, "admin", "/audit");
    await admin.getByTestId("verify-chain").click();
    await expect(admin.getByTestId("verify-result")).toContainText(/Chain intact — \d+ entries/);
    await adminContext.close();
    await approverContext.close();

    // 6. Dana's status page has followed by itself: partly approved, the lowered amount.
    await expect(dana.getByTestId("portal-headline")).toHaveText("Your request has been partly approved", { timeout: 30_000 });
    await expect(dana.getByTestId("portal-decision")).toHaveAttribute("data-outcome", "partial");
    await expect(dana.getByTestId("portal-amount")).toHaveText(`€${LOWERED}.00`);
    await expect(dana.getByTestId("portal-reference")).toHaveText(`Reference ${reference}`);
    for (const s of ["received", "under_review", "decided"]) await expect(dana.getByTestId(`portal-step-${s}`)).toHaveAttribute("data-state", "done");
    expect(dana.url()).toBe(statusUrl);
    await step(dana, "6-decision");
    await customer.close();
  } finally {
    await server.stop();
  }

  try {
    // On the receiving side, from the shop's and the CRM's own servers (Steward stopped, so they own their data again).
    const refunds = await askDemoServer<{ refunds: { amount: number; currency: string; reason: string }[]; refundedAmount: number }>(server.dataDir, "commerce", "list_refunds", { orderId: "1042" });
    expect(refunds.refunds).toHaveLength(1);
    expect(refunds.refunds[0]).toMatchObject({ amount: LOWERED, currency: "EUR" });
    expect(refunds.refundedAmount).toBe(LOWERED);
    const crm = await askDemoServer<{ notes: { note: string }[] }>(server.dataDir, "crm", "list_notes", { email: "dana@example.com" });
    expect(crm.notes.filter((n) => n.note === `Refund of ${LOWERED} EUR issued for order 1042`)).toHaveLength(1);
  } finally {
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
});
