import path from "node:path";
import type { APIRequestContext, Browser } from "@playwright/test";
import { test, expect, signIn, shot, USERS } from "./fixtures";
import { publishAsApprover } from "./publishing";
import { ROOT } from "./server";

/**
 * Issue #19, as a person sees it: a gated action whose decision is rejected takes its "rejected"
 * path (the decision page says so before and after); a tool that keeps timing out is tried four
 * times, each attempt on the page; the verdict is the headline and steps a failed run never
 * reached say so. The tools are the connector fixture server's, run by the app over stdio.
 */

test.describe.configure({ mode: "serial", timeout: 240_000 });

const CONNECTOR = "flaky";

async function trpc<T>(request: APIRequestContext, procedure: string, input: unknown, method: "query" | "mutation" = "query"): Promise<T> {
  const res =
    method === "mutation"
      ? await request.post(`/api/trpc/${procedure}`, { data: input })
      : await request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok() || !body.result) throw new Error(`${procedure} failed (${res.status()}): ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function signedIn(browser: Browser, baseURL: string, who: keyof typeof USERS) {
  const ctx = await browser.newContext({ baseURL });
  const res = await ctx.request.post("/api/auth/sign-in/email", { data: { email: USERS[who].email, password: USERS[who].password } });
  expect(res.ok(), `${who} signs in`).toBe(true);
  return ctx;
}

const at = (x: number) => ({ x, y: 0 });

/** trigger → send (a destructive tool: gated) → sent; send's rejected port → held. */
const guardedSend = {
  format: "steward.mission/v1",
  name: "Guarded send",
  description: "",
  nodes: [
    { id: "trigger", kind: "trigger", position: at(0), data: { label: "Start" } },
    { id: "send", kind: "action", position: at(300), data: { label: "Send the refusal", tool: `${CONNECTOR}.refuse`, args: {} } },
    { id: "sent", kind: "verdict", position: at(600), data: { label: "Sent", outcomes: ["sent"], outcome: '"sent"', summary: '"Sent."' } },
    { id: "held", kind: "verdict", position: { x: 600, y: 200 }, data: { label: "Held back", outcomes: ["held"], outcome: '"held"', summary: '"Not sent: " + send.reason' } },
  ],
  edges: [
    { id: "e1", source: "trigger", target: "send" },
    { id: "e2", source: "send", target: "sent" },
    { id: "e3", source: "send", sourceHandle: "rejected", target: "held" },
  ],
};

/** trigger → wait (a read-only tool that never answers in time) → done. */
const slowLookup = {
  format: "steward.mission/v1",
  name: "Slow lookup",
  description: "",
  nodes: [
    { id: "trigger", kind: "trigger", position: at(0), data: { label: "Start" } },
    { id: "wait", kind: "action", position: at(300), data: { label: "Look it up", tool: `${CONNECTOR}.slow`, args: { ms: "5000" } } },
    { id: "done", kind: "verdict", position: at(600), data: { label: "Verdict", outcomes: ["found"], outcome: '"found"' } },
  ],
  edges: [
    { id: "e1", source: "trigger", target: "wait" },
    { id: "e2", source: "wait", target: "done" },
  ],
};

const missions: Record<string, string> = {};

test("an admin registers the fixture server; a builder imports two missions that use it", async ({ browser, baseURL }) => {
  const admin = await signedIn(browser, baseURL!, "admin");
  // A one-second timeout: its `slow` tool then times out on every attempt.
  const created = await trpc<{ id: string }>(
    admin.request,
    "connectors.create",
    {
      name: CONNECTOR,
      transport: "stdio",
      stdio: { command: process.execPath, args: ["--import", "tsx", path.join(ROOT, "server/connectors/fixtures/fixture-server.ts")] },
      timeoutMs: 1_000,
    },
    "mutation",
  );
  await trpc(admin.request, "connectors.refresh", { id: created.id }, "mutation");
  await trpc(admin.request, "connectors.approve", { id: created.id }, "mutation");
  await admin.close();

  const builder = await signedIn(browser, baseURL!, "builder");
  for (const doc of [guardedSend, slowLookup]) {
    const m = await trpc<{ id: string; warnings: unknown[] }>(builder.request, "missions.import", { document: JSON.stringify(doc) }, "mutation");
    expect(m.warnings, `${doc.name} names only tools the connector offers`).toEqual([]);
    missions[doc.name] = m.id;
  }
  await builder.close();
  // Both call tools, so a second person publishes them before they run.
  for (const id of Object.values(missions)) await publishAsApprover(browser, baseURL!, id);
});

test("a rejected decision on an action takes its rejected path, and the decision page says so before and after", async ({ page, browser, baseURL }) => {
  const builder = await signedIn(browser, baseURL!, "builder");
  const { runId } = await trpc<{ runId: string }>(builder.request, "runs.start", { missionId: missions["Guarded send"], input: {} }, "mutation");
  let decisionId = "";
  await expect
    .poll(async () => {
      const now = await trpc<{ decisions: { id: string; status: string }[] }>(builder.request, "runs.get", { runId });
      decisionId = now.decisions.find((d) => d.status === "pending")?.id ?? "";
      return decisionId;
    }, { timeout: 60_000 })
    .not.toBe("");
  await builder.close();

  await signIn(page, "approver", `/decisions/${decisionId}`);
  await expect(page.getByTestId("decision-due")).toContainText(
    "If nobody decides in time, it is rejected automatically: the tool is not called and the run takes the action's rejected path",
  );
  await page.getByTestId("decision-reason").fill("Not to this customer.");
  await page.getByTestId("reject-decision").click();
  await expect(page.getByTestId("confirm-when-rejected")).toHaveText("Nothing proposed will happen: the tool is not called and the run takes the action's rejected path.");
  await shot(page, "what-happened-01-reject-action");
  await page.getByTestId("confirm-decision").click();
  await expect(page.getByTestId("decision-result")).toContainText("Rejected: the tool is not called and the run takes the action's rejected path.");

  // The run went on down the rejected path; its verdict is the headline.
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toHaveText("Completed");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("held");
  await expect(page.getByTestId("run-summary")).toHaveText("Not sent: Not to this customer.");
  await expect(page.getByTestId("node-send")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("node-status-send")).toHaveText("Rejected");
  await expect(page.getByTestId("node-port-send-rejected")).toHaveAttribute("data-taken", "true");
  await expect(page.getByTestId("node-port-send-out")).toHaveAttribute("data-taken", "false");
  await expect(page.getByTestId("node-sent")).toHaveAttribute("data-status", "skipped");
  await expect(page.getByTestId("node-held")).toHaveAttribute("data-status", "succeeded");
  await shot(page, "what-happened-02-rejected-path");
});

test("a tool that keeps timing out is tried four times, each attempt shown; the steps after it were not reached", async ({ page, browser, baseURL }) => {
  const builder = await signedIn(browser, baseURL!, "builder");
  const { runId } = await trpc<{ runId: string }>(builder.request, "runs.start", { missionId: missions["Slow lookup"], input: {} }, "mutation");
  await builder.close();

  await signIn(page, "viewer", `/runs/${runId}`);
  // While it retries, the node says which attempt it is on.
  await expect(page.getByTestId("node-attempt-wait")).toContainText(/Attempt [234] of 4/, { timeout: 60_000 });
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "failed", { timeout: 90_000 });
  await expect(page.getByTestId("node-wait")).toHaveAttribute("data-status", "failed");
  await expect(page.getByTestId("node-attempt-wait")).toHaveText("Attempt 4 of 4");
  await expect(page.getByTestId("run-reason")).toContainText("did not answer within 1000 ms");
  // The verdict was never reached: not "pending".
  await expect(page.getByTestId("node-status-done")).toHaveText("Not reached");
  await expect(page.getByTestId("node-done")).toHaveAttribute("data-not-reached", "true");

  // The rail lists every failed attempt, numbered.
  await page.getByTestId("rail-kind-error").dblclick();
  const errors = page.locator('[data-testid="obs-row"][data-kind="error"]');
  await expect(errors).toHaveCount(4);
  await expect(errors.nth(1)).toContainText("attempt 2 of 4");
  await expect(errors.nth(3)).toContainText("Attempt 4 of 4 failed");
  await errors.nth(2).click();
  const attempts = page.getByTestId("error-attempts").locator("li");
  await expect(attempts).toHaveCount(4);
  await expect(attempts.nth(0)).toContainText("Attempt 1 of 4");
  await expect(attempts.nth(0)).toContainText("will retry");
  await expect(attempts.nth(3)).toContainText("not retried");
  await shot(page, "what-happened-03-attempts");
});
