import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { closedPortUrl, startFailingServer } from "../server/connectors/fixtures/http-failures";
import { test, expect, signIn, shot } from "./fixtures";
import { binOf } from "./server";

const SECRET = "s3cr3t-value-123";

const EVERYTHING = binOf("@modelcontextprotocol/server-everything");
const FILESYSTEM = binOf("@modelcontextprotocol/server-filesystem");

const EVERYTHING_READ_ONLY = [
  "echo",
  "get-annotated-message",
  "get-env",
  "get-resource-links",
  "get-resource-reference",
  "get-structured-content",
  "get-sum",
  "get-tiny-image",
  "trigger-long-running-operation",
];

async function addStdioConnector(page: Page, opts: { name: string; args: string[]; env?: Record<string, string> }) {
  await page.getByTestId("add-connector").first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name", { exact: true }).fill(opts.name);
  await dialog.getByLabel("Command").fill("node");
  await dialog.getByLabel("Arguments").fill(opts.args.join("\n"));
  let i = 0;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    i++;
    await dialog.getByTestId("env-add").click();
    await dialog.getByLabel(`Environment name ${i}`).fill(k);
    await dialog.getByLabel(`Environment value ${i}`).fill(v);
  }
  return dialog;
}

const tested = (page: Page, tool: string) => page.locator(`[data-testid="tested-tool"][data-tool="${tool}"]`);
const row = (page: Page, tool: string) => page.locator(`[data-testid="tool-row"][data-tool="${tool}"]`);
const review = (page: Page, tool: string) => page.locator(`[data-testid="review-item"][data-tool="${tool}"]`);
const EVERYTHING_STATE_CHANGING = ["gzip-file-as-resource", "simulate-research-query", "toggle-simulated-logging", "toggle-subscriber-updates"];

async function expectNoSecretIn(page: Page) {
  // The page as the server sends it, and as the browser shows it after every query has loaded.
  const html = await (await page.request.get(page.url())).text();
  expect(html).not.toContain(SECRET);
  expect(await page.content()).not.toContain(SECRET);
}

test.describe.serial("Settings → Connectors", () => {
  let everythingUrl = "";

  test("an admin registers server-everything over stdio, tests it, sees its 13 tools with their annotations and approves them", async ({ page }) => {
    await signIn(page, "admin", "/settings/connectors");
    await expect(page.getByRole("link", { name: "Connectors" })).toHaveAttribute("aria-current", "page");
    // Demo mode registered its own connectors.
    await expect(page.locator('[data-testid="connector-row"][data-connector="commerce"]')).toBeVisible();

    const dialog = await addStdioConnector(page, { name: "everything", args: [EVERYTHING, "stdio"], env: { SECRET_TOKEN: SECRET } });
    await shot(page, "settings-connectors-01-add-dialog");
    await dialog.getByTestId("connector-save").click();

    // "Add" opens the connector and tests it straight away.
    await page.waitForURL(/\/settings\/connectors\/[^/?]+$/);
    everythingUrl = page.url();
    await expect(page.getByTestId("test-result")).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
    await expect(page.getByTestId("test-server")).toHaveText(/mcp-servers\/everything 2\.\d+\.\d+/);
    await expect(page.getByTestId("test-tool-count")).toHaveText("13 tools");
    await page.getByTestId("tested-tools").getByText("Show the 13 tools").click();
    await expect(page.getByTestId("tested-tool")).toHaveCount(13);

    // Annotations as the server declares them.
    await expect(tested(page, "echo").getByTestId("annotations")).toHaveText(/read-only\s*idempotent/);
    await expect(tested(page, "gzip-file-as-resource").getByTestId("annotations")).toHaveText(/writes\s*idempotent\s*open-world/);
    await expect(tested(page, "toggle-simulated-logging").getByTestId("annotations")).toHaveText("writes");
    await expect(tested(page, "echo")).toContainText("Echoes back the input string");
    // Input schemas fold open on request.
    await tested(page, "get-sum").getByText("Input schema").click();
    await expect(tested(page, "get-sum").locator("pre")).toContainText('"a"');
    await expect(tested(page, "get-sum").locator("pre")).toContainText('"type": "number"');

    // Recorded for review: nothing is offered to Workers yet. Each new tool is shown whole, in place.
    await expect(page.getByTestId("review-item")).toHaveCount(13);
    const sum = review(page, "get-sum");
    await expect(sum).toHaveAttribute("data-status", "new");
    await expect(sum.getByTestId("review-description")).toHaveText("Returns the sum of two numbers");
    await expect(sum.getByTestId("annotations")).toHaveText(/read-only\s*idempotent/);
    await expect(sum).toContainText("Get Sum Tool");
    await expect(sum.locator('[data-testid="argument"][data-argument="a"]')).toHaveText(/a\s*required\s*number — First number/);
    await expect(sum.locator('[data-testid="argument"][data-argument="b"]')).toHaveText(/b\s*required\s*number — Second number/);
    await expect(review(page, "toggle-simulated-logging").getByTestId("arguments")).toHaveText("No arguments.");
    await expect(review(page, "toggle-simulated-logging").getByTestId("annotations")).toHaveText("writes");
    await expect(page.getByTestId("review-panel")).toContainText("13 new, 4 change state");
    await expect(page.getByTestId("tool-status").first()).toHaveText("new");
    await expect(page.getByTestId("stored-secret")).toHaveText(/SECRET_TOKEN\s*••••-123/);
    await shot(page, "settings-connectors-02-tested");
    await expectNoSecretIn(page);

    // "Approve all" asks first, naming the tools that change state and how they will run.
    await page.getByTestId("approve-all").click();
    const confirm = page.getByRole("dialog");
    await expect(confirm).toContainText("Approve all 13 tools?");
    await expect(confirm).toContainText("4 of them change state");
    await expect(confirm.getByTestId("approve-all-tool")).toHaveCount(4);
    for (const name of EVERYTHING_STATE_CHANGING) {
      await expect(confirm.locator(`[data-testid="approve-all-tool"][data-tool="${name}"]`)).toContainText("each call waits for a decision");
    }
    await expect(confirm).toContainText("The other 9 are read-only");
    await shot(page, "settings-connectors-03-approve-all-confirm");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByTestId("review-item")).toHaveCount(13);
    await expect(row(page, "echo").getByTestId("tool-status")).toHaveText("new");

    await page.getByTestId("approve-all").click();
    await page.getByTestId("confirm-action").click();
    await expect(page.getByTestId("review-panel")).toHaveCount(0);
    await expect(page.getByTestId("tool-row")).toHaveCount(13);
    for (const name of EVERYTHING_READ_ONLY) await expect(row(page, name)).toHaveAttribute("data-policy", "autonomous");
    for (const name of ["gzip-file-as-resource", "toggle-simulated-logging", "toggle-subscriber-updates", "simulate-research-query"]) {
      await expect(row(page, name)).toHaveAttribute("data-policy", "gated");
    }
    await expect(row(page, "echo").getByTestId("tool-status")).toHaveText("approved");
    await shot(page, "settings-connectors-03b-approved");
  });

  test("loosening a state-changing tool asks first; tightening does not; a bad edit names its field and loses nothing", async ({ page }) => {
    await signIn(page, "admin", new URL(everythingUrl).pathname);

    await row(page, "toggle-simulated-logging").getByLabel("Policy for toggle-simulated-logging").selectOption("autonomous");
    const confirm = page.getByRole("dialog");
    await expect(confirm).toContainText("Let everything.toggle-simulated-logging run without approval?");
    await expect(confirm).toContainText("written to the audit log");
    await shot(page, "settings-connectors-04-loosen-confirm");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(row(page, "toggle-simulated-logging")).toHaveAttribute("data-policy", "gated");

    await row(page, "toggle-simulated-logging").getByLabel("Policy for toggle-simulated-logging").selectOption("autonomous");
    await page.getByTestId("confirm-action").click();
    await expect(row(page, "toggle-simulated-logging")).toHaveAttribute("data-policy", "autonomous");
    await expect(row(page, "toggle-simulated-logging")).toContainText("set by an admin");

    await row(page, "get-env").getByLabel("Policy for get-env").selectOption("disallowed");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(row(page, "get-env")).toHaveAttribute("data-policy", "disallowed");

    // Edit: secrets show only masked; a bad value is named on its field and nothing is saved.
    await page.getByTestId("edit-connector").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("masked-value")).toHaveText("••••-123");
    await expect(dialog.getByLabel("Environment name 1")).toHaveValue("SECRET_TOKEN");
    await dialog.getByLabel("Call timeout (ms)").fill("50");
    await dialog.getByTestId("env").getByRole("button", { name: "Replace" }).click();
    await dialog.getByLabel("Environment value 1").fill("replaced-value-456");
    await dialog.getByTestId("connector-save").click();
    await expect(dialog.getByText("must be at least 100 ms")).toBeVisible();
    await expect(dialog.getByLabel("Call timeout (ms)")).toHaveAttribute("aria-invalid", "true");
    await expect(dialog.getByLabel("Environment value 1")).toHaveValue("replaced-value-456");
    await shot(page, "settings-connectors-05-edit-error");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByText("60 s")).toBeVisible();
    await expect(page.getByTestId("stored-secret")).toHaveText(/SECRET_TOKEN\s*••••-123/);
    await expectNoSecretIn(page);
  });

  test("a builder is offered the approved read-only tools, and no settings", async ({ page }) => {
    await signIn(page, "builder", "/missions");
    const res = await page.request.get("/api/trpc/connectors.toolsForBuilder");
    expect(res.ok()).toBe(true);
    const tools = ((await res.json()) as { result: { data: { ref: string; readOnly: boolean; policy: string }[] } }).result.data.filter((t) => t.ref.startsWith("everything."));
    expect(tools).toHaveLength(13);
    expect(
      tools
        .filter((t) => t.readOnly)
        .map((t) => t.ref)
        .sort(),
    ).toEqual(EVERYTHING_READ_ONLY.map((n) => `everything.${n}`).sort());
    expect(JSON.stringify(tools)).not.toContain(SECRET);

    const admin = await page.request.get("/api/trpc/connectors.list");
    expect(admin.status()).toBe(403);
    await page.goto("/settings/connectors");
    await expect(page.getByText("Settings are for admins")).toBeVisible();
  });

  test("server-filesystem on a temp dir: write tools are gated, read tools autonomous; a bad name is named", async ({ page }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-e2e-fs-"));
    fs.writeFileSync(path.join(dir, "hello.txt"), "hello\n");
    await signIn(page, "admin", "/settings/connectors");
    const dialog = await addStdioConnector(page, { name: "Files!", args: [FILESYSTEM, dir] });
    await dialog.getByTestId("connector-save").click();
    await expect(dialog.getByText(/must start with a lowercase letter/)).toBeVisible();
    await expect(dialog.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(dialog.getByLabel("Arguments")).toHaveValue(`${FILESYSTEM}\n${dir}`);
    await dialog.getByLabel("Name", { exact: true }).fill("files");
    await dialog.getByTestId("connector-save").click();

    await page.waitForURL(/\/settings\/connectors\/[^/?]+$/);
    await expect(page.getByTestId("test-result")).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
    await expect(page.getByTestId("test-server")).toContainText("secure-filesystem-server");
    await expect(page.getByTestId("tool-row")).toHaveCount(14);
    for (const name of ["write_file", "edit_file", "move_file", "create_directory"]) await expect(row(page, name)).toHaveAttribute("data-policy", "gated");
    for (const name of ["read_text_file", "read_multiple_files", "list_directory", "directory_tree", "search_files", "get_file_info"]) {
      await expect(row(page, name)).toHaveAttribute("data-policy", "autonomous");
    }
    await expect(row(page, "write_file").getByTestId("annotations")).toHaveText(/writes\s*destructive\s*idempotent/);

    // Approving all would approve destructive tools: the confirmation lists them first.
    await page.getByTestId("approve-all").click();
    const confirm = page.getByRole("dialog");
    await expect(confirm).toContainText("Approve all 14 tools?");
    await expect(confirm.locator('[data-testid="approve-all-tool"][data-tool="write_file"]')).toContainText("destructive");
    await expect(confirm.getByTestId("approve-all-tool").first()).toContainText("destructive");
    await expect(confirm.getByRole("button", { name: "Approve all 14" })).toBeVisible();
    await shot(page, "settings-connectors-07-approve-all-destructive");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByTestId("review-item")).toHaveCount(14);

    // Unreviewed tools show on the list.
    await page.goto("/settings/connectors");
    const files = page.locator('[data-testid="connector-row"][data-connector="files"]');
    await expect(files.getByTestId("needs-review")).toHaveText(/needs review \(14\)/);
    await expect(files.getByTestId("server-info")).toContainText("secure-filesystem-server");
    const everything = page.locator('[data-testid="connector-row"][data-connector="everything"]');
    await expect(everything.getByTestId("tool-count")).toHaveText("13 tools");
    await expect(everything.getByTestId("needs-review")).toHaveCount(0);
    await shot(page, "settings-connectors-06-list");
    await expectNoSecretIn(page);

    // Disable from the list, enable again.
    await files.getByRole("switch", { name: "files enabled" }).click();
    await expect(files).toContainText("disabled");
    await files.getByRole("switch", { name: "files enabled" }).click();
    await expect(files.getByText("disabled", { exact: true })).toHaveCount(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

test.describe.serial("Connectors through the REST API, and servers that are down", () => {
  test("after a test through the API, settings show the tested state; an approval by name and hash shows too", async ({ page, baseURL }) => {
    await signIn(page, "admin", "/settings/connectors");
    const created = await page.request.post("/api/v1/connectors", { data: { name: "api-tested", transport: "stdio", stdio: { command: "node", args: [EVERYTHING, "stdio"] } }, headers: { origin: baseURL! } });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await page.reload();
    const listRow = page.locator('[data-testid="connector-row"][data-connector="api-tested"]');
    await expect(listRow.getByTestId("tool-count")).toHaveText("not tested yet");

    const tested = await page.request.post(`/api/v1/connectors/${id}/test`, { data: {}, headers: { origin: baseURL! } });
    expect(tested.status()).toBe(200);
    const result = (await tested.json()) as { ok: boolean; tools: { name: string; hash: string }[]; recorded: { added: string[] } };
    expect(result.ok).toBe(true);
    expect(result.recorded.added).toHaveLength(13);

    await page.reload();
    await expect(listRow.getByTestId("tool-count")).toHaveText("13 tools");
    await expect(listRow.getByTestId("server-info")).toContainText("mcp-servers/everything");
    await expect(listRow.getByTestId("needs-review")).toHaveText(/needs review \(13\)/);
    await shot(page, "settings-connectors-08-after-api-test");

    const echo = result.tools.find((t) => t.name === "echo");
    const approved = await page.request.post(`/api/v1/connectors/${id}/approve`, { data: { tools: [echo] }, headers: { origin: baseURL! } });
    expect(approved.status(), await approved.text()).toBe(200);
    await listRow.getByRole("link", { name: "api-tested", exact: true }).click();
    await page.waitForURL(new RegExp(`/settings/connectors/${id}$`));
    await expect(page.getByTestId("server-info")).toContainText("mcp-servers/everything");
    await expect(row(page, "echo").getByTestId("tool-status")).toHaveText("approved");
    await expect(page.getByTestId("review-item")).toHaveCount(12);
    await expect(page.getByTestId("test-result")).toHaveCount(0);
  });

  test("a down HTTP server: the error names the URL and the cause (refused, 401)", async ({ page, baseURL }) => {
    const url = await closedPortUrl();
    await signIn(page, "admin", "/settings/connectors");
    await page.getByTestId("add-connector").first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name", { exact: true }).fill("down");
    await dialog.getByRole("radio", { name: "Streamable HTTP" }).click();
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByTestId("connector-save").click();
    await page.waitForURL(/\/settings\/connectors\/[^/?]+$/);
    const result = page.getByTestId("test-result");
    await expect(result).toHaveAttribute("data-ok", "false", { timeout: 30_000 });
    await expect(result).toContainText(`Connector down (${url}): connection refused (ECONNREFUSED): nothing is listening there; is the server running?`);
    await expect(result).not.toContainText("fetch failed");
    await shot(page, "settings-connectors-09-http-refused");

    const locked = await startFailingServer({ token: "the-right-token" });
    try {
      const created = await page.request.post("/api/v1/connectors", {
        data: { name: "locked", transport: "http", http: { url: locked.url, headers: { Authorization: "Bearer a-wrong-token" } } },
        headers: { origin: baseURL! },
      });
      const { id } = (await created.json()) as { id: string };
      await page.goto(`/settings/connectors/${id}`);
      await page.getByTestId("test-connection").click();
      await expect(result).toHaveAttribute("data-ok", "false");
      await expect(result).toContainText(`Connector locked (${locked.url}): HTTP 401 Unauthorized: the server refused the credentials: check the connector's headers (e.g. Authorization)`);
      await expect(result).not.toContainText("a-wrong-token");
      await shot(page, "settings-connectors-10-http-401");
    } finally {
      await locked.close();
    }
  });
});
