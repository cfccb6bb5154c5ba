import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { hiddenSteps, screenFontPx, zoomOf } from "./editor-helpers";
import { test, expect, signIn } from "./fixtures";
import { ROOT, startServer, type StartedServer } from "./server";

// Issue #19's before-and-after screens, as a product designer compares them: the decision page an
// approver opens for Dana's refund, the finished run with its CRM note clicked, and the demo mission
// in the editor after Auto-layout. Each is the 1440×900 window a person sees, saved as
// docs/try-it/first-use/<prefix>-<screen>.png (prefix from TRY_IT_PREFIX, "after" by default; the
// "before" images come from this spec run on the code before #19, with what it lacked relaxed).
//
// It runs on a server of its own with fresh demo data, as after `npm start`: other specs refund
// parts of the shared server's order 1042.

const FIRST_USE = path.join(ROOT, "docs", "try-it", "first-use");
const PREFIX = process.env.TRY_IT_PREFIX ?? "after";
const REASON = "I opened the mug set and it isn't what I expected. The tea sampler is unopened. Can I send both back?";

async function screen(page: Page, name: "editor" | "decision" | "run") {
  fs.mkdirSync(FIRST_USE, { recursive: true });
  await page.screenshot({ path: path.join(FIRST_USE, `${PREFIX}-${name}.png`), animations: "disabled", caret: "hide" });
}

interface Pending {
  id: string;
  runId: string;
  missionId: string;
  nodeId: string;
  kind: string;
}

type Rect = { x: number; y: number; width: number; height: number };

function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The branch labels that lie over a step's card, as "label over step". */
async function labelsOverCards(page: Page): Promise<string[]> {
  return page.getByTestId("canvas").evaluate((root) => {
    const cards = [...root.querySelectorAll(".react-flow__node")].map((n) => ({ id: n.getAttribute("data-id") ?? "?", r: n.getBoundingClientRect() }));
    const out: string[] = [];
    for (const label of root.querySelectorAll("[data-testid=edge-label]")) {
      const l = label.getBoundingClientRect();
      for (const c of cards) if (l.left < c.r.right && c.r.left < l.right && l.top < c.r.bottom && c.r.top < l.bottom) out.push(`${label.textContent} over ${c.id}`);
    }
    return out;
  });
}

/** The pending decisions the signed-in page's user may decide, through the REST API. */
async function pending(page: Page): Promise<Pending[]> {
  const res = await page.request.get("/api/v1/decisions?status=pending");
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { decisions: Pending[] }).decisions;
}

test("the decision page, the finished run and the editor as a new approver and builder first meet them", async ({ browser }) => {
  // Generous: a fresh server seeds its demo data first, and the machine may be shared.
  test.setTimeout(900_000);
  // +3: +1 is the audit restart, +2 the refund journey, +100 the audit anchors.
  const server: StartedServer = await startServer({ port: Number(process.env.E2E_PORT ?? 3210) + 3 });
  const viewport = { width: 1440, height: 900 };
  const origin = { origin: server.url };
  try {
    // Dana asks for a refund of order 1042 on the portal.
    const customer = await browser.newContext({ baseURL: server.url, viewport });
    const dana = await customer.newPage();
    await dana.goto("/p/refunds");
    await dana.getByTestId("portal-field-orderId").fill("1042");
    await dana.getByTestId("portal-field-email").fill("dana@example.com");
    await dana.getByTestId("portal-field-reason").fill(REASON);
    await dana.getByTestId("portal-submit").click();
    await dana.waitForURL(/\/p\/refunds\/status\//);
    await customer.close();

    // The decision page: the approver opens the pending refund approval on its own page.
    const approverContext = await browser.newContext({ baseURL: server.url, viewport });
    const approver = await approverContext.newPage();
    await signIn(approver, "approver", "/decisions");
    let refund: Pending | undefined;
    await expect
      .poll(async () => (refund = (await pending(approver)).find((d) => d.missionId === "refund-adjudication" && d.nodeId === "refund")), { timeout: 240_000, intervals: [2_000] })
      .toBeTruthy();
    const { id: refundId, runId } = refund!;
    await approver.goto(`/decisions/${refundId}`);
    const panel = approver.getByTestId("decision-panel");
    await expect(panel).toHaveAttribute("data-can-decide", "true");
    await expect(panel.getByTestId("decision-title")).toHaveText("Refund for order 1042: 42.50 EUR");
    // What Dana asked, under the labels of the portal's form…
    const request = approver.getByTestId("decision-request");
    await expect(request).toContainText("Refund request, as it was submitted");
    await expect(request.locator('[data-field="orderId"]')).toContainText("Order number");
    await expect(request.locator('[data-field="orderId"]')).toContainText("1042");
    await expect(request.locator('[data-field="email"]')).toContainText("dana@example.com");
    await expect(request.locator('[data-field="reason"]')).toContainText("The tea sampler is unopened.");
    // …and what the Workers found.
    const findings = approver.getByTestId("decision-findings");
    await expect(findings.locator('[data-testid="decision-finding"][data-node="ground"] [data-field="policyClause"]')).toContainText("REF-1.2");
    await expect(findings.locator('[data-testid="decision-finding"][data-node="reason"] [data-field="decision"]')).toContainText("partial");
    // Money reads as in the title; what the proposing Worker found is not repeated beside its proposal.
    await expect(findings.locator('[data-node="ground"] [data-field="orderTotal"]')).toContainText("85.00 EUR");
    await expect(findings.locator('[data-node="reason"] [data-field="rationale"]')).toHaveCount(0);
    await expect(findings.locator('[data-node="reason"] [data-testid="finding-proposed"]')).toContainText("Rationale");
    // On a 1440×900 screen the decision is in reach without scrolling, the request beside it.
    await expect(request.locator('[data-field="reason"]')).toBeInViewport({ ratio: 1 });
    await expect(panel.getByTestId("decision-reason")).toBeInViewport({ ratio: 1 });
    await expect(panel.getByTestId("approve-decision")).toBeInViewport({ ratio: 1 });
    await screen(approver, "decision");

    // The approver approves the refund as proposed, on that page.
    await panel.getByTestId("approve-decision").click();
    await approver.getByTestId("confirm-decision").click();
    await expect(approver.getByTestId("decision-result")).toContainText("Approved");

    // The CRM note is a state-changing tool call: it may wait for its own yes, given through the API.
    await expect
      .poll(
        async () => {
          for (const d of (await pending(approver)).filter((x) => x.runId === runId)) {
            const res = await approver.request.post(`/api/v1/decisions/${d.id}`, { data: { approve: true, reason: "Note it." }, headers: origin });
            expect(res.ok(), `${JSON.stringify(d)}: ${await res.text()}`).toBe(true);
          }
          const run = await approver.request.get(`/api/v1/runs/${runId}`);
          expect(run.ok(), await run.text()).toBe(true);
          return ((await run.json()) as { status: string }).status;
        },
        { timeout: 240_000, intervals: [2_000] },
      )
      .toBe("succeeded");

    // The run page: the finished run, its CRM note clicked.
    await approver.goto(`/runs/${runId}`);
    await expect(approver.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
    // At the zoom that fits the whole graph, every step's name can be read.
    await expect.poll(() => hiddenSteps(approver, "run-canvas"), { timeout: 10_000 }).toEqual([]);
    expect(await zoomOf(approver, "run-canvas")).toBeLessThan(0.7);
    const titles = approver.getByTestId("run-canvas").getByTestId("run-node-title");
    await expect(titles).toHaveCount(8);
    for (const title of await titles.all()) expect(await screenFontPx(title), (await title.textContent()) ?? "").toBeGreaterThanOrEqual(11);
    await approver.getByTestId("node-crm_note").click();
    const note = approver.getByTestId("node-panel");
    await expect(note).toHaveAttribute("data-node", "crm_note");
    // The clicked step stays in sight, whole, beside its panel rather than under it.
    await expect
      .poll(
        async () => {
          const [card, over, canvas] = await Promise.all([approver.getByTestId("node-crm_note").boundingBox(), note.boundingBox(), approver.getByTestId("run-canvas").boundingBox()]);
          if (!card || !over || !canvas) return "not on screen";
          if (intersects(card, over)) return "under the panel";
          const inside = card.x >= canvas.x && card.y >= canvas.y && card.x + card.width <= canvas.x + canvas.width && card.y + card.height <= canvas.y + canvas.height;
          return inside ? "in sight" : "off the canvas";
        },
        { timeout: 5_000 },
      )
      .toBe("in sight");
    // What it sent, who said yes, and what the CRM answered.
    const sent = note.getByTestId("tool-call-sent");
    await expect(sent).toContainText("crm.add_note");
    await expect(sent.getByTestId("call-args").locator('[data-arg="email"]')).toContainText("dana@example.com");
    await expect(sent.getByTestId("call-args").locator('[data-arg="note"]')).toContainText("Refund of 42.5 EUR issued for order 1042");
    const answer = note.getByTestId("tool-call-answer");
    await expect(answer.getByTestId("tool-call-outcome")).toHaveText("Answered");
    await expect(answer.locator('[data-arg="noteId"]')).toContainText(/note_[0-9a-f]{12}/);
    await screen(approver, "run");
    await approverContext.close();

    // The editor: a builder opens the demo refund mission and arranges it with Auto-layout.
    const builderContext = await browser.newContext({ baseURL: server.url, viewport });
    const builder = await builderContext.newPage();
    await signIn(builder, "builder", "/missions");
    await builder.getByRole("link", { name: "Refund adjudication" }).first().click();
    await builder.waitForURL(/\/missions\/refund-adjudication$/);
    await expect(builder.getByTestId("mission-editor")).toBeVisible();
    await expect(builder.locator(".react-flow__node")).toHaveCount(8);
    await builder.getByTestId("auto-layout").click();
    await expect(builder.getByTestId("auto-layout")).toBeEnabled();
    // Arranged, the whole graph is in view: no step off the canvas or under the minimap.
    await expect.poll(() => hiddenSteps(builder), { timeout: 10_000 }).toEqual([]);
    // Each branch's label fits between the steps it joins: it covers no card.
    await expect(builder.getByTestId("edge-label")).toHaveCount(4);
    await expect.poll(() => labelsOverCards(builder), { timeout: 5_000 }).toEqual([]);
    // The arranged draft saves by itself: the screen as it settles.
    await expect(builder.getByTestId("save-status")).toHaveText("Saved", { timeout: 15_000 });
    await builder.mouse.move(viewport.width - 5, viewport.height - 5);
    await screen(builder, "editor");
    await builderContext.close();
  } finally {
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
});
