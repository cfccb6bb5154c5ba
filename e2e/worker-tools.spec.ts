import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { publishAsApprover } from "./publishing";
import { binOf } from "./server";

/**
 * Issue #5 end to end: an admin registers server-everything (as "toolbox", so this spec does not
 * depend on the settings spec's "everything"), a builder gives a new Worker its read-only `echo`
 * tool and the built-in `replay:tool-check` model, runs the mission, and sees the call and its
 * result recorded.
 */

// Each test starts servers or a run; a shared two-core machine makes that slow, not wrong.
test.describe.configure({ mode: "serial", timeout: 240_000 });

const CONNECTOR = "toolbox";
const TOOL = `${CONNECTOR}.echo`;

async function trpc<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const res = await request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok() || !body.result) throw new Error(`${procedure} failed (${res.status()}): ${JSON.stringify(body.error)}`);
  return body.result.data;
}

const node = (page: Page, id: string): Locator => page.getByTestId(`node-${id}`);

let missionId = "";

test("an admin registers server-everything, tests it, sees its 13 tools and approves them", async ({ page }) => {
  await signIn(page, "admin", "/settings/connectors");
  await page.getByTestId("add-connector").first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name", { exact: true }).fill(CONNECTOR);
  await dialog.getByLabel("Command").fill("node");
  await dialog.getByLabel("Arguments").fill([binOf("@modelcontextprotocol/server-everything"), "stdio"].join("\n"));
  await dialog.getByTestId("connector-save").click();

  await page.waitForURL(/\/settings\/connectors\/[^/?]+$/);
  await expect(page.getByTestId("test-result")).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
  await expect(page.getByTestId("test-tool-count")).toHaveText("13 tools");
  await page.getByTestId("tested-tools").getByText("Show the 13 tools").click();
  const echo = page.locator('[data-testid="tested-tool"][data-tool="echo"]');
  await expect(echo.getByTestId("annotations")).toHaveText(/read-only\s*idempotent/);

  await page.getByTestId("approve-all").click();
  // Approving all asks first: four of these tools change state.
  await expect(page.getByRole("dialog")).toContainText("Approve all 13 tools?");
  await page.getByTestId("confirm-action").click();
  await expect(page.getByTestId("review-panel")).toHaveCount(0);
  await expect(page.getByTestId("tool-row")).toHaveCount(13);
  await expect(page.locator('[data-testid="tool-row"][data-tool="echo"]')).toHaveAttribute("data-policy", "autonomous");
  await shot(page, "worker-tools-01-connector-approved");
});

test("a builder gives a Worker the read-only echo tool and the replay model, and saves", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  await page.getByTestId("new-mission").click();
  await page.getByLabel("Name").fill("Echo check");
  await page.getByTestId("create-mission-submit").click();
  await page.waitForURL(/\/missions\/[^/]+$/);
  missionId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("mission-editor")).toBeVisible();

  // A blank mission is a trigger and a verdict: the "+" on the trigger's output puts a Worker between them.
  await node(page, "trigger").hover();
  await page.getByTestId("add-next-trigger").click();
  await page.getByTestId("add-next-menu").getByRole("menuitem", { name: "AI Worker" }).click();
  await expect(node(page, "worker")).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  const inspector = page.getByTestId("inspector");
  await node(page, "verdict").click();
  await expect(inspector).toHaveAttribute("data-node", "verdict");
  await inspector.getByLabel("Outcomes").fill("checked");
  await inspector.getByLabel("Outcome expression").fill('"checked"');
  await inspector.getByLabel("Summary").fill('"The connector answered"');

  await node(page, "worker").click();
  await expect(inspector).toHaveAttribute("data-node", "worker");
  await inspector.getByLabel("Model").selectOption("replay:tool-check");
  const picker = inspector.getByLabel("Add a tool");
  // The picker offers the approved tools, marked by what they do.
  await expect(picker.locator("option", { hasText: `${TOOL} — read-only` })).toHaveCount(1);
  await expect(picker.locator("option", { hasText: `${CONNECTOR}.toggle-simulated-logging — state-changing` })).toHaveCount(1);
  await picker.selectOption(TOOL);
  const chosen = inspector.getByRole("list", { name: "Allowed tools" }).getByRole("listitem");
  await expect(chosen).toHaveCount(1);
  await expect(chosen).toContainText(TOOL);
  await expect(chosen).toContainText("read-only");

  await shot(page, "worker-tools-02-tool-picked");
  await page.getByTestId("tab-problems").click();
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Worker calls echo");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();
  // A Worker with a tool governs something: a second person publishes it before it runs.
  await publishAsApprover(browser, baseURL!, missionId, 1);
});

test("a run with the replay model calls the tool; the run view and the record show the call and its result", async ({ page }) => {
  await signIn(page, "builder", "/runs");
  await page.getByTestId("start-run").click();
  await page.getByTestId("start-run-mission").selectOption(missionId);
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = new URL(page.url()).pathname.split("/").pop()!;

  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(node(page, "worker")).toHaveAttribute("data-status", "succeeded");
  // The fixture's four model calls, summed: 320 + 24 + 410 + 18.
  await expect(page.getByTestId("run-tokens")).toHaveText("772 tokens");

  // The rail shows the call with its arguments, and the result the real server sent back.
  const rail = page.getByTestId("explain-rail");
  await page.getByTestId("rail-kind-tool_call").dblclick();
  const call = rail.locator('[data-testid="obs-row"][data-kind="tool_call"]');
  await expect(call).toHaveCount(1);
  await expect(call).toContainText(TOOL);
  await call.click();
  await expect(page.getByTestId("tool-args")).toContainText("Hello from Steward");
  await page.getByTestId("rail-kind-tool_call").click();
  await page.getByTestId("rail-kind-tool_result").click();
  const result = rail.locator('[data-testid="obs-row"][data-kind="tool_result"]');
  await expect(result).toHaveCount(1);
  await expect(result).toContainText("Echo: Hello from Steward");
  await result.click();
  await expect(page.getByTestId("tool-result")).toBeVisible();
  await shot(page, "worker-tools-03-run-tool-result");

  // …and so does the record.
  const { items } = await trpc<{ items: { nodeId: string | null; kind: string; text: string; data: Record<string, unknown> }[] }>(page.request, "observations.list", {
    runId,
    limit: 1000,
  });
  const results = items.filter((o) => o.kind === "tool_result");
  expect(results).toHaveLength(1);
  expect(results[0]).toMatchObject({ nodeId: "worker", text: "Echo: Hello from Steward", data: { tool: TOOL, isError: false } });
  const { run } = await trpc<{ run: { tokensIn: number; tokensOut: number; cost: number; nodes: { nodeId: string; tokensIn: number; tokensOut: number }[] } }>(
    page.request,
    "runs.get",
    { runId },
  );
  expect(run).toMatchObject({ tokensIn: 730, tokensOut: 42 });
  expect(run.nodes.find((n) => n.nodeId === "worker")).toMatchObject({ tokensIn: 730, tokensOut: 42 });
});
