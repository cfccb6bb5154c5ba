import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { test, expect, signIn, shot } from "./fixtures";
import { inspector, newMission, select } from "./editor-helpers";
import { publishAsApprover } from "./publishing";

// Steward as an MCP server (issue #14), as people and assistants meet it: a builder exposes the
// refund mission as a tool in the editor, an approver publishes it, the MCP Inspector's CLI (from
// npm) lists the tool and calls it against the production server, and an admin revokes it in
// settings so assistants no longer see it.

test.describe.configure({ timeout: 240_000 });
test.use({ actionTimeout: 15_000 });

const run = promisify(execFile);
const INSPECTOR = path.resolve(import.meta.dirname, "../node_modules/.bin/mcp-inspector");

/** The MCP Inspector's CLI against this server's /api/mcp, with the key as a bearer token; its JSON answer. */
async function inspect(baseURL: string, key: string, ...args: string[]): Promise<unknown> {
  try {
    const { stdout } = await run(INSPECTOR, ["--cli", `${baseURL}/api/mcp`, "--transport", "http", "--header", `Authorization: Bearer ${key}`, ...args], { timeout: 60_000 });
    return JSON.parse(stdout) as unknown;
  } catch (e) {
    const failed = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mcp-inspector ${args.join(" ")} failed: ${failed.message}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`);
  }
}

test("a builder exposes a mission as a tool; the MCP Inspector lists and calls it; an admin revokes it in settings", async ({ page, browser, baseURL }) => {
  const suffix = Date.now().toString(36);
  const toolName = `request_refund_${suffix}`;
  await signIn(page, "builder");
  const missionId = await newMission(page, `Refunds by assistant ${suffix}`, "refund");
  await select(page, "trigger");
  const panel = inspector(page);
  await panel.getByLabel("Expose as a tool").check();
  const settings = panel.getByTestId("tool-settings");
  await expect(settings.getByTestId("tool-name")).toHaveValue(`refunds_by_assistant_${suffix}`);
  await settings.getByTestId("tool-name").fill(toolName);
  await settings.getByLabel("Tool description").fill("Asks for a refund of an order; an approver decides before any money moves.");
  await settings.scrollIntoViewIfNeeded();
  await shot(page, "mcp-01-expose-as-a-tool");

  // Exposure is governance: the version waits for a second person.
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Offer it to assistants");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByTestId("save-review-changes")).toContainText(`now an MCP tool for AI assistants (${toolName})`);
  await publishAsApprover(browser, baseURL!, missionId);

  // The builder's own key: the tool acts as them.
  const created = await page.request.post("/api/trpc/apiKeys.create", { data: { name: "Assistant" } });
  expect(created.ok(), await created.text()).toBe(true);
  const key = ((await created.json()) as { result: { data: { key: string } } }).result.data.key;

  const listed = (await inspect(baseURL!, key, "--method", "tools/list")) as { tools: { name: string; annotations?: { readOnlyHint?: boolean } }[] };
  const tool = listed.tools.find((t) => t.name === toolName);
  expect(tool?.annotations?.readOnlyHint).toBe(false);
  const called = (await inspect(baseURL!, key, "--method", "tools/call", "--tool-name", toolName, // The CLI reads each value as JSON when it can: quoted, the order number stays text.
    "--tool-arg", 'orderId="1042"', "--tool-arg", "email=dana@example.com", "--tool-arg", "reason=The jacket arrived torn.")) as {
    structuredContent: { runId: string; status: string };
  };
  expect(["queued", "running", "waiting", "succeeded"]).toContain(called.structuredContent.status);
  const runRes = await page.request.get(`/api/v1/runs/${called.structuredContent.runId}`);
  expect(runRes.ok()).toBe(true);
  expect(((await runRes.json()) as { missionId: string; startedVia: string }).startedVia).toBe(`MCP tool ${toolName}`);

  // The admin sees it in settings and revokes it: assistants no longer see it.
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin", "/settings/mcp-tools");
  const row = admin.getByTestId("mcp-tool-row").filter({ hasText: toolName });
  await expect(row).toContainText("Offered");
  await shot(admin, "mcp-02-settings-offered");
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("Revoked by admin@steward.local");
  await shot(admin, "mcp-03-settings-revoked");
  const after = (await inspect(baseURL!, key, "--method", "tools/list")) as { tools: { name: string }[] };
  expect(after.tools.map((t) => t.name)).not.toContain(toolName);
  await row.getByRole("button", { name: "Restore" }).click();
  await expect(row).toContainText("Offered");
  await adminCtx.close();
});
