import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { getTemplate } from "../lib/mission/templates";
import type { MissionGraph } from "../lib/mission/schema";
import { test, expect, signIn, shot } from "./fixtures";
import { publishAsApprover } from "./publishing";

// The Decision Queue as two (or three) people use it at once, each in their own browser context.

interface TrpcError {
  error: { message: string; data?: { code?: string; httpStatus?: number } };
}

async function trpcMutation<T>(page: Page, path: string, input: unknown): Promise<T> {
  const res = await page.request.post(`/api/trpc/${path}`, { data: input });
  const body = (await res.json()) as { result?: { data: T } } & Partial<TrpcError>;
  if (!res.ok() || !body.result) throw new Error(`${path} answered ${res.status()}: ${JSON.stringify(body)}`);
  return body.result.data;
}

async function trpcQuery<T>(page: Page, path: string, input: unknown): Promise<T> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await page.request.get(`/api/trpc/${path}${query}`);
  const body = (await res.json()) as { result?: { data: T } } & Partial<TrpcError>;
  if (!res.ok() || !body.result) throw new Error(`${path} answered ${res.status()}: ${JSON.stringify(body)}`);
  return body.result.data;
}

interface RunView {
  status: string;
  verdict: { outcome: string; summary: string } | null;
  nodes: { nodeId: string; status: string; output: unknown }[];
}

/** Starts a run through the REST API, as an integration would. */
async function startRun(page: Page, missionId: string, input: Record<string, unknown>): Promise<string> {
  const res = await page.request.post(`/api/v1/missions/${missionId}/runs`, { data: input });
  expect(res.status(), await res.text()).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

async function getRun(page: Page, runId: string): Promise<RunView> {
  const res = await page.request.get(`/api/v1/runs/${runId}`);
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as RunView;
}

async function waitForRunEnd(page: Page, runId: string, timeoutMs = 60_000): Promise<RunView> {
  let run: RunView | undefined;
  await expect
    .poll(
      async () => {
        run = await getRun(page, runId);
        return run.status;
      },
      { timeout: timeoutMs, intervals: [500, 1_000] },
    )
    .toMatch(/^(succeeded|failed|cancelled)$/);
  return run as RunView;
}

async function newSignedIn(browser: Browser, who: Parameters<typeof signIn>[1] | { email: string; password: string }, next = "/missions"): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (typeof who === "string") {
    await signIn(page, who, next);
  } else {
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Email").fill(who.email);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
  }
  return page;
}

/** The "Simple approval" template as a mission document, with its approval rules changed. */
function approvalMission(name: string, rules: { requiredApprovals: number; separationOfDuties: boolean }): MissionGraph {
  const graph = getTemplate("approval")!.graph();
  return {
    ...graph,
    name,
    nodes: graph.nodes.map((n) => (n.kind === "approval" ? { ...n, data: { ...n.data, ...rules } } : n)),
  };
}

async function importAndStart(page: Page, graph: MissionGraph, title: string): Promise<{ missionId: string; runId: string }> {
  const res = await page.request.post("/api/v1/missions", { data: graph });
  expect(res.status(), await res.text()).toBe(201);
  const missionId = ((await res.json()) as { id: string }).id;
  // A mission with an approval step runs once a second person publishes it.
  await publishAsApprover(page.context().browser()!, new URL(page.url()).origin, missionId);
  return { missionId, runId: await startRun(page, missionId, { title }) };
}

/** Opens the inbox row whose summary contains `text` and returns the decision id. */
async function openFromInbox(page: Page, text: string): Promise<string> {
  await page.getByTestId("nav-decisions").click();
  await expect(page).toHaveURL(/\/decisions$/);
  const row = page.getByTestId("decision-row").filter({ hasText: text });
  await expect(row).toBeVisible({ timeout: 60_000 });
  const id = (await row.getAttribute("data-decision")) as string;
  await row.click();
  await expect(page).toHaveURL(new RegExp(`/decisions/${id}$`));
  await expect(page.getByTestId("decision-panel")).toBeVisible();
  return id;
}

test("an approver lowers the refund, sees the diff, approves, and the run refunds the lowered amount", async ({ page: approver, browser }) => {
  test.setTimeout(240_000);
  const builder = await newSignedIn(browser, "builder");
  const runId = await startRun(builder, "refund-adjudication", { orderId: "1042", email: "dana@example.com", reason: "I opened the mug set but it is not what I expected." });
  await builder.goto(`/runs/${runId}`);
  await expect(builder.getByTestId("run-view")).toBeVisible();

  await signIn(approver, "approver");
  // The live badge in the navigation counts the refund as soon as the Workers have proposed it.
  await expect(approver.getByTestId("decisions-badge")).toHaveText("1", { timeout: 120_000 });
  await approver.getByTestId("nav-decisions").click();
  const row = approver.getByTestId("decision-row").filter({ hasText: "Refund for order 1042: 42.50 EUR" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Refund adjudication");
  await expect(row).toContainText("Approval step “Approve refund”");
  await expect(row).toContainText("due in 3 days");
  await shot(approver, "decisions-01-inbox");

  const decisionId = (await row.getAttribute("data-decision")) as string;
  await row.click();
  await approver.waitForURL(`**/decisions/${decisionId}`);
  const panel = approver.getByTestId("decision-panel");
  await expect(panel).toHaveAttribute("data-can-decide", "true");
  await expect(approver.getByTestId("decision-title")).toHaveText("Refund for order 1042: 42.50 EUR");
  // The reasoning that led here: the Workers' conclusions and the policy clause they cited.
  await expect(approver.getByTestId("decision-citation").first()).toContainText("REF-1.2");
  await expect(approver.getByTestId("decision-finding").first()).toBeVisible();
  await expect(approver.getByTestId("decision-sod")).toContainText("Ben Builder");
  await expect(approver.getByTestId("decision-due")).toContainText("If nobody decides in time, it is rejected automatically");
  await shot(approver, "decisions-02-decision");

  // The builder who started the run sees the same decision read-only, and the API refuses them.
  await builder.goto(`/decisions/${decisionId}`);
  await expect(builder.getByTestId("decision-panel")).toHaveAttribute("data-can-decide", "false");
  await expect(builder.getByTestId("decision-readonly")).toContainText("needs the approver role");
  await expect(builder.getByTestId("approve-decision")).toHaveCount(0);
  await shot(builder, "decisions-03-builder-read-only");
  const rest = await builder.request.post(`/api/v1/decisions/${decisionId}`, { data: { approve: true } });
  expect(rest.status()).toBe(403);
  expect(((await rest.json()) as { error: { reason: string } }).error.reason).toBe("forbidden");
  const rpc = await builder.request.post("/api/trpc/decisions.decide", { data: { decisionId, approve: true } });
  expect(rpc.status()).toBe(403);

  // Lower the amount: the form says what was proposed, the confirmation shows the diff.
  await approver.locator("#value-amount").fill("40");
  await expect(approver.getByTestId("decision-changed-count")).toHaveText("1 value changed");
  await expect(approver.getByTestId("proposed-value").filter({ hasText: "Amount" })).toContainText("Proposed: 42.5");
  await approver.locator("#value-amount").fill("forty");
  await expect(approver.getByTestId("proposed-value").filter({ hasText: "Amount" })).toContainText("must be a number");
  await expect(approver.getByTestId("approve-decision")).toBeDisabled();
  await approver.locator("#value-amount").fill("40");
  await approver.getByTestId("approve-decision").click();
  const diff = approver.getByTestId("diff-row");
  await expect(diff).toHaveCount(1);
  await expect(diff).toHaveAttribute("data-field", "amount");
  await expect(diff.getByTestId("diff-from")).toHaveText("42.5");
  await expect(diff.getByTestId("diff-to")).toHaveText("40");
  await shot(approver, "decisions-04-confirm-diff");
  await approver.getByTestId("confirm-decision").click();
  await expect(approver.getByTestId("decision-result")).toContainText("Approved. The run continues");
  await expect(approver.getByTestId("decision-panel")).toHaveAttribute("data-status", "approved");
  await shot(approver, "decisions-05-approved");

  // Noting the refund in the CRM is a state-changing tool call of its own: it waits in the queue too.
  const noteId = await openFromInbox(approver, "add_note");
  await expect(approver.getByTestId("decision-title")).toContainText("Refund of 40 EUR");
  await approver.getByTestId("approve-decision").click();
  await approver.getByTestId("confirm-decision").click();
  await expect(approver.getByTestId("decision-result")).toBeVisible();
  expect(noteId).not.toBe(decisionId);

  // The run continued with the lowered amount: the commerce server refunded 40, not 42.50.
  const run = await waitForRunEnd(approver, runId);
  expect(run.status).toBe("succeeded");
  expect(run.verdict).toMatchObject({ outcome: "partial", summary: "Refunded 40 EUR for order 1042" });
  const refund = run.nodes.find((n) => n.nodeId === "issue_refund");
  expect(refund?.output).toMatchObject({ orderId: "1042", amount: 40, currency: "EUR" });
  await expect(approver.getByTestId("decisions-badge")).toHaveCount(0);

  await approver.getByTestId("nav-decisions").click();
  await approver.getByTestId("decisions-tab-decided").click();
  // Both decisions of this run are listed as decided (other specs' runs may have some too).
  await expect(approver.locator(`[data-testid="decision-row"][data-decision="${decisionId}"]`)).toBeVisible();
  await expect(approver.locator(`[data-testid="decision-row"][data-decision="${noteId}"]`)).toBeVisible();
  await shot(approver, "decisions-06-decided");
  await builder.goto(`/runs/${runId}`);
  await expect(builder.getByTestId("run-view")).toBeVisible();
  await shot(builder, "decisions-07-run-continued");
  await builder.context().close();
});

/** A webhook receiver in the test process: records each POST with its raw body and headers. */
async function webhookReceiver() {
  const got: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ body, headers: req.headers });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/steward`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("separation of duties keeps the requester out; four-eyes needs two different approvers; the approvers' webhook hears of it", async ({ page: admin, browser }) => {
  test.setTimeout(180_000);
  await signIn(admin, "admin");
  // An admin points the approver role's webhook at a receiver; it shows the signing secret once.
  const hook = await webhookReceiver();
  await admin.goto("/settings/notifications");
  await admin.getByTestId("new-webhook").click();
  await admin.getByLabel("URL").fill(hook.url);
  await admin.getByLabel("Description (optional)").fill("#approvals channel");
  await admin.getByTestId("create-webhook").click();
  const secret = ((await admin.getByTestId("webhook-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^whsec_/);
  await shot(admin, "decisions-12-webhook-secret");
  await admin.getByRole("button", { name: "Done" }).click();
  await expect(admin.getByTestId("webhook-row")).toContainText("#approvals channel");

  const sam = { email: "sam@steward.local", password: "two-roles-one-person", name: "Sam Both" };
  const robin = { email: "robin@steward.local", password: "second-pair-of-eyes", name: "Robin Reviewer" };
  await trpcMutation(admin, "users.create", { ...sam, roles: ["builder", "approver"] });
  await trpcMutation(admin, "users.create", { ...robin, roles: ["approver"] });

  // Sam both builds and approves: Sam starts the run, so Sam may not approve it.
  const samPage = await newSignedIn(browser, sam);
  const { runId } = await importAndStart(samPage, approvalMission("Laptop requests", { requiredApprovals: 2, separationOfDuties: true }), "New laptop for Dana");
  await samPage.goto("/decisions");
  const samRow = samPage.getByTestId("decision-row").filter({ hasText: "New laptop for Dana" });
  await expect(samRow).toBeVisible({ timeout: 60_000 });
  await expect(samRow.getByTestId("decision-blocked")).toContainText("Separation of duties");
  const decisionId = (await samRow.getAttribute("data-decision")) as string;
  await samRow.click();
  await samPage.waitForURL(`**/decisions/${decisionId}`);
  await expect(samPage.getByTestId("decision-readonly")).toHaveAttribute("data-reason", "separation_of_duties");
  await expect(samPage.getByTestId("decision-readonly")).toContainText("you started this run");
  await expect(samPage.getByTestId("approve-decision")).toHaveCount(0);
  await expect(samPage.getByTestId("decision-progress-chip")).toHaveText("0 of 2 approvals");
  await shot(samPage, "decisions-08-separation-of-duties");
  const refused = await samPage.request.post(`/api/v1/decisions/${decisionId}`, { data: { approve: true } });
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe("separation_of_duties");

  // The first approver's vote is progress, not a decision.
  const avery = await newSignedIn(browser, "approver", `/decisions/${decisionId}`);
  await expect(avery.getByTestId("decision-panel")).toHaveAttribute("data-can-decide", "true");
  await avery.getByTestId("approve-decision").click();
  await expect(avery.getByTestId("confirm-dialog")).toContainText("This is approval 1 of 2");
  await avery.getByTestId("confirm-decision").click();
  await expect(avery.getByTestId("decision-result")).toContainText("1 of 2 approvals");
  await expect(avery.getByTestId("decision-readonly")).toHaveAttribute("data-reason", "already_voted");
  await expect(avery.getByTestId("decision-approvals")).toContainText("Avery Approver approved");
  await shot(avery, "decisions-09-four-eyes-1-of-2");
  const twice = await avery.request.post(`/api/v1/decisions/${decisionId}`, { data: { approve: true } });
  expect(twice.status()).toBe(409);
  expect(((await twice.json()) as { error: { reason: string } }).error.reason).toBe("already_voted");
  expect((await getRun(avery, runId)).status).toBe("waiting");

  // A second, different approver completes it; the run continues.
  const robinPage = await newSignedIn(browser, robin);
  const waiting = (await trpcQuery<{ count: number }>(robinPage, "decisions.pendingCount", undefined)).count;
  expect(waiting).toBeGreaterThanOrEqual(1);
  await expect(robinPage.getByTestId("decisions-badge")).toHaveText(String(waiting));
  await openFromInbox(robinPage, "New laptop for Dana");
  await expect(robinPage.getByTestId("decision-progress-chip")).toHaveText("1 of 2 approvals");
  await robinPage.getByTestId("approve-decision").click();
  await robinPage.getByTestId("confirm-decision").click();
  await expect(robinPage.getByTestId("decision-result")).toContainText("Approved. The run continues");
  const run = await waitForRunEnd(robinPage, runId);
  expect(run.verdict?.outcome).toBe("approved");
  await shot(robinPage, "decisions-10-four-eyes-done");

  // The webhook got the decision, signed with the secret the admin was shown.
  await expect.poll(() => hook.got.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  const delivery = hook.got.find((g) => (JSON.parse(g.body) as { decisionId: string }).decisionId === decisionId);
  expect(delivery).toBeDefined();
  expect(new Webhook(secret).verify(delivery!.body, delivery!.headers as Record<string, string>)).toMatchObject({ decisionId });
  expect(JSON.parse(delivery!.body)).toMatchObject({ type: "decision.pending", runId, mission: { name: "Laptop requests" }, summary: "Approve this request? New laptop for Dana" });
  expect((JSON.parse(delivery!.body) as { link: string }).link).toMatch(new RegExp(`/decisions/${decisionId}$`));
  await admin.goto("/settings/notifications");
  await expect(admin.getByTestId("delivery-row").first()).toContainText("delivered");
  await shot(admin, "decisions-13-notifications");
  await hook.close();
  for (const p of [samPage, avery, robinPage]) await p.context().close();
});

test("two approvers deciding at once: one wins, the other is told who decided", async ({ page: builder, browser }) => {
  test.setTimeout(120_000);
  await signIn(builder, "builder");
  const { runId } = await importAndStart(builder, approvalMission("Expense approvals", { requiredApprovals: 1, separationOfDuties: false }), "Team dinner, 180 EUR");

  const avery = await newSignedIn(browser, "approver");
  const id = await openFromInbox(avery, "Team dinner");
  const robin = await newSignedIn(browser, { email: "robin@steward.local", password: "second-pair-of-eyes" }, `/decisions/${id}`);
  await expect(robin.getByTestId("decision-panel")).toHaveAttribute("data-can-decide", "true");

  // Both have the confirmation open; Avery confirms first, then Robin.
  await avery.getByTestId("approve-decision").click();
  await robin.getByTestId("reject-decision").click();
  await expect(robin.getByTestId("decision-reason")).toHaveAttribute("aria-invalid", "true");
  await robin.getByTestId("decision-reason").fill("Over the per-head limit");
  await robin.getByTestId("reject-decision").click();
  await expect(avery.getByTestId("confirm-dialog")).toBeVisible();
  await expect(robin.getByTestId("confirm-dialog")).toBeVisible();
  await avery.getByTestId("confirm-decision").click();
  await expect(avery.getByTestId("decision-result")).toContainText("Approved");
  await robin.getByTestId("confirm-decision").click();
  await expect(robin.getByTestId("decision-error")).toContainText("Someone else got there first");
  await expect(robin.getByTestId("decision-error")).toContainText("Already approved by Avery Approver");
  await expect(robin.getByTestId("decision-decided")).toContainText("Approved by Avery Approver");
  await shot(robin, "decisions-11-conflict");
  expect((await waitForRunEnd(builder, runId)).verdict?.outcome).toBe("approved");
  for (const p of [avery, robin]) await p.context().close();
});
