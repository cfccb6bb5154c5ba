import net from "node:net";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { test, expect, signIn, shot, USERS } from "./fixtures";
import { trpc } from "./trpc";

/**
 * The run view, watched the way a person watches a run: the demo refund mission starts, its nodes
 * change state live, the Worker's reasoning streams, tool calls land in the Explain rail; a reload
 * and a cut connection lose nothing; the finished run replays.
 */

test.describe.configure({ mode: "serial" });

const MISSION = "refund-adjudication";
const INPUT = { orderId: "1042", email: "dana@example.com", reason: "The blender arrived opened and I do not want it." };

interface Obs {
  id: number;
  nodeId: string | null;
  kind: string;
  text: string;
  at: string;
}

/** Every Observation of the run as the database holds it, through `observations.list`. */
async function dbObservations(request: APIRequestContext, runId: string): Promise<Obs[]> {
  const out: Obs[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await trpc<{ items: Obs[]; nextCursor: number | null }>(request, "observations.list", { runId, limit: 5000, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/** The ids the Explain rail lists, read by scrolling through its virtualised list. */
async function railIds(page: Page): Promise<number[]> {
  // A selected waiting node shows its decision beside the graph; the rail is the other tab.
  const explainTab = page.getByTestId("side-tab-explain");
  if (await explainTab.isVisible()) await explainTab.click();
  await expect(page.getByTestId("explain-rail")).toBeVisible();
  const list = page.getByTestId("rail-list");
  const seen = new Map<number, number>();
  // Each scroll is rendered on the next animation frame: wait for it before reading the rows.
  const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await list.evaluate((el) => (el.scrollTop = 0));
  await settle();
  for (let i = 0; i < 500; i++) {
    const ids = await page.locator('[data-testid="rail-list"] [data-testid="obs-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))));
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const done = await list.evaluate((el) => {
      const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
      el.scrollTop += el.clientHeight / 2;
      return atEnd;
    });
    if (done) break;
    await settle();
  }
  // A row rendered on two scroll positions is counted once per position, so duplicates show as DOM keys instead.
  const keys = await page.locator('[data-testid="rail-list"] [data-testid="obs-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
  expect(new Set(keys).size, "no row is rendered twice").toBe(keys.length);
  return [...seen.keys()].sort((a, b) => a - b);
}

async function statuses(page: Page, nodes: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const n of nodes) out[n] = await page.getByTestId(`node-${n}`).getAttribute("data-status");
  return out;
}

const NODES = ["trigger", "ground", "reason", "gate", "refund", "issue_refund", "crm_note", "verdict"];

interface Watched {
  statuses: { node: string; status: string }[];
  /** Reasoning text shown on a node while that node was running. */
  reasoning: { node: string; text: string }[];
}

/** Records, in the page, every node's state change in order and the reasoning shown on running nodes. */
async function watchCanvas(page: Page) {
  await page.addInitScript(() => {
    const seen: Watched = { statuses: [], reasoning: [] };
    (window as unknown as { __watched: Watched }).__watched = seen;
    const last = new Map<string, string>();
    const scan = () => {
      document.querySelectorAll<HTMLElement>('.react-flow__node [data-testid^="node-"][data-status]').forEach((el) => {
        const node = (el.dataset.testid ?? "").slice("node-".length);
        const status = el.dataset.status ?? "";
        if (last.get(node) !== status) {
          last.set(node, status);
          seen.statuses.push({ node, status });
        }
        const text = el.querySelector(`[data-testid="node-reasoning-${node}"]`)?.textContent ?? "";
        if (status === "running" && text && seen.reasoning.at(-1)?.text !== text) seen.reasoning.push({ node, text });
      });
    };
    new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["data-status"] });
  });
}

const watched = (page: Page) => page.evaluate(() => (window as unknown as { __watched: Watched }).__watched);

async function approverContext(browser: Browser, baseURL: string) {
  const ctx = await browser.newContext({ baseURL });
  const res = await ctx.request.post("/api/auth/sign-in/email", { data: { email: USERS.approver.email, password: USERS.approver.password } });
  expect(res.ok(), "the approver signs in").toBe(true);
  return ctx;
}

/**
 * A TCP proxy in front of the app, so a test can cut the browser's connections (the SSE stream
 * included) and refuse new ones for a while: a real network drop, not an emulated one.
 */
async function networkProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const upstream = net.connect(Number(port), hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", end);
      s.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    /** Drops every open connection and refuses new ones until `restore()`. */
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close() {
      this.cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let runId = "";

test("a live refund run: states change in order, reasoning streams, the rail fills, a reload and a cut connection lose nothing", async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  await watchCanvas(page);
  await signIn(page, "builder", "/runs");
  // The session cookie is for the host, so the same sign-in works through the proxy.
  const proxy = await networkProxy(baseURL!);
  await page.goto(`${proxy.url}/runs`);

  // Start it the way a builder does: a form generated from the trigger's fields.
  await page.getByTestId("start-run").click();
  await page.getByTestId("start-run-mission").selectOption(MISSION);
  await page.getByLabel("Order number").fill(INPUT.orderId);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByTestId("start-run-submit").click();
  await expect(page.getByRole("alert").filter({ hasText: "must be an email address" })).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "Reason is required" })).toBeVisible();
  await page.getByLabel("Email").fill(INPUT.email);
  await page.getByLabel("Reason").fill(INPUT.reason);
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  runId = new URL(page.url()).pathname.split("/").pop()!;

  await expect(page.getByTestId("run-mission")).toHaveText("Refund adjudication");
  await expect(page.getByTestId("run-version")).toHaveText("v1");
  await expect(page.getByTestId("run-started-by")).toContainText("Builder");

  // The Workers' reasoning streams onto their nodes while they run (the first may be half done by
  // the time the page is up on a busy machine; the second starts seconds later).
  const ground = page.getByTestId("node-ground");
  const workers = ["ground", "reason"];
  await expect
    .poll(async () => new Set((await watched(page)).reasoning.filter((r) => workers.includes(r.node)).map((r) => r.text)).size, { timeout: 45_000 })
    .toBeGreaterThan(2);
  const streamed = (await watched(page)).reasoning.filter((r) => workers.includes(r.node));
  expect(streamed.some((r) => /order 1042|refund|policy/i.test(r.text)), JSON.stringify(streamed)).toBe(true);
  // A picture of a Worker mid-thought, when the page caught the second one running.
  const thinking = page.locator('[data-testid="node-reason"][data-status="running"] [data-testid="node-reasoning-reason"]');
  if (await thinking.waitFor({ timeout: 10_000 }).then(() => true, () => false)) await shot(page, "run-view-01-worker-running");
  // …and its tool calls land in the rail with their arguments (double-click a kind: only that kind).
  await page.getByTestId("rail-kind-tool_call").dblclick();
  const toolCall = page.locator('[data-testid="obs-row"][data-kind="tool_call"]').filter({ hasText: "commerce.get_order" }).first();
  await expect(toolCall).toBeVisible();
  await toolCall.click();
  await expect(page.getByTestId("obs-detail")).toContainText("Arguments");
  await expect(page.getByTestId("tool-args")).toContainText('"orderId"');
  await expect(page.getByTestId("tool-args")).toContainText('"1042"');
  // Selecting a rail row selects its node on the canvas.
  await expect(ground).toHaveClass(/outline-brand-500/);
  await page.getByRole("button", { name: "Clear" }).click();

  // The approval gate: amber, waiting, with the way to its decision.
  const refund = page.getByTestId("node-refund");
  await expect(refund).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "waiting");
  await expect(page.getByTestId("node-gate")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("node-verdict")).toHaveAttribute("data-status", "pending");
  await refund.click();
  const card = page.getByTestId("decision-card");
  await expect(card).toContainText("Waiting for a decision");
  const decisionId = await card.getAttribute("data-decision");
  expect(decisionId).toBeTruthy();
  await expect(page.getByTestId("decision-link")).toHaveAttribute("href", `/decisions/${decisionId}`);
  await shot(page, "run-view-02-waiting-for-decision");

  // Nodes changed state in the order the mission runs them, seen live without a reload.
  const log = (await watched(page)).statuses;
  const firstSeen = (node: string, status: string) => log.findIndex((e) => e.node === node && e.status === status);
  for (const [a, b] of [
    [firstSeen("ground", "running"), firstSeen("ground", "succeeded")],
    [firstSeen("ground", "succeeded"), firstSeen("reason", "running")],
    [firstSeen("reason", "running"), firstSeen("reason", "succeeded")],
    [firstSeen("reason", "succeeded"), firstSeen("refund", "waiting")],
  ] as const) {
    expect(a, JSON.stringify(log)).toBeGreaterThanOrEqual(0);
    expect(b, JSON.stringify(log)).toBeGreaterThan(a);
  }

  // Reload mid-run: the same state, the same rows.
  const before = await statuses(page, NODES);
  const railBefore = await railIds(page);
  await page.reload();
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting");
  await expect(page.getByTestId("explain-rail")).toHaveAttribute("data-total", String(railBefore.length));
  expect(await statuses(page, NODES)).toEqual(before);
  expect(await railIds(page)).toEqual(railBefore);
  await expect(page.getByTestId("stream-connection")).toHaveAttribute("data-state", "live");

  // Cut the SSE connection (the network is down for a while), let the run move on meanwhile, then come back.
  proxy.cut();
  await expect(page.getByTestId("stream-connection")).toHaveAttribute("data-state", "reconnecting");
  const approver = await approverContext(browser, baseURL!);
  // Other specs share this server's demo order 1042 and refund parts of it: approve an amount that always fits.
  const decided = await approver.request.post(`/api/v1/decisions/${decisionId}`, { data: { approve: true, values: { amount: 2.5 }, reason: "Policy REF-1.2 applies." } });
  expect(decided.status(), await decided.text()).toBe(200);
  // The CRM note is a state-changing tool call: it waits for its own decision, approved here too.
  await expect
    .poll(
      async () => {
        const now = await trpc<{ run: { status: string }; decisions: { id: string; status: string }[] }>(approver.request, "runs.get", { runId });
        for (const d of now.decisions.filter((x) => x.status === "pending")) {
          await approver.request.post(`/api/v1/decisions/${d.id}`, { data: { approve: true, reason: "Note it." } });
        }
        return now.run.status;
      },
      { timeout: 60_000, intervals: [500] },
    )
    .toBe("succeeded");
  await approver.close();
  // While offline nothing new was shown.
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting");
  proxy.restore();

  // The view catches up by itself: every state, every row, none twice.
  await expect(page.getByTestId("stream-connection")).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  for (const n of ["refund", "issue_refund", "crm_note", "verdict"]) await expect(page.getByTestId(`node-${n}`)).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("partial");
  await expect(page.getByTestId("run-summary")).toContainText("1042");
  const db = await dbObservations(page.request, runId);
  await expect(page.getByTestId("explain-rail")).toHaveAttribute("data-total", String(db.length));
  expect(await railIds(page)).toEqual(db.map((o) => o.id));
  await shot(page, "run-view-03-finished");
  await proxy.close();
});

test("a finished run replays: scrub back to the moment the approval was requested", async ({ page }) => {
  expect(runId, "the live run test ran first").toBeTruthy();
  await signIn(page, "viewer", `/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("replay-scrubber")).toBeVisible();
  // Per-node duration and tokens are on the nodes.
  await expect(page.getByTestId("node-metrics-ground")).toContainText("tokens");

  const db = await dbObservations(page.request, runId);
  const requested = db.find((o) => o.nodeId === "refund" && o.kind === "decision" && /requested/i.test(o.text));
  expect(requested, "the decision was requested").toBeTruthy();
  const marker = page.locator(`[data-testid="scrub-marker"][data-node="refund"][data-tone="waiting"]`);
  await marker.click();

  await expect(page.getByTestId("run-view")).toHaveAttribute("data-replaying", "true");
  const moment = Date.parse(requested!.at);
  // The graph shows exactly that moment…
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting");
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "waiting");
  expect(await statuses(page, NODES)).toEqual({
    trigger: "succeeded",
    ground: "succeeded",
    reason: "succeeded",
    gate: "succeeded",
    refund: "waiting",
    issue_refund: "pending",
    crm_note: "pending",
    verdict: "pending",
  });
  await expect(page.getByTestId("run-verdict")).toHaveCount(0);
  // …and so does the rail: every row written up to then, nothing after.
  const upTo = db.filter((o) => Date.parse(o.at) <= moment).map((o) => o.id);
  await expect(page.getByTestId("explain-rail")).toHaveAttribute("data-total", String(upTo.length));
  expect(await railIds(page)).toEqual(upTo);
  expect(upTo).toContain(requested!.id);
  await shot(page, "run-view-04-replay-approval-requested");

  // Back to the end: the verdict again.
  await page.getByTestId("replay-range").fill(String(await page.getByTestId("replay-range").getAttribute("max")));
  await expect(page.getByTestId("run-view")).toHaveAttribute("data-replaying", "false");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("partial");
});

test("the rail filters by node and kind; tool results and citations show their details", async ({ page }) => {
  await signIn(page, "viewer", `/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  const rail = page.getByTestId("explain-rail");
  const total = (await dbObservations(page.request, runId)).length;
  await expect(rail).toHaveAttribute("data-total", String(total));
  await page.getByTestId("rail-filter-node").selectOption("ground");
  for (const kind of ["reasoning", "status", "text", "usage", "tool_result", "citation", "decision", "error"]) await page.getByTestId(`rail-kind-${kind}`).click();
  const calls = page.locator('[data-testid="obs-row"]');
  await expect(calls.first()).toHaveAttribute("data-kind", "tool_call");
  const kinds = await calls.evaluateAll((rows) => rows.map((r) => `${r.getAttribute("data-node")}/${r.getAttribute("data-kind")}`));
  expect(new Set(kinds)).toEqual(new Set(["ground/tool_call"]));
  expect(kinds).toHaveLength(3);
  expect(Number(await rail.getAttribute("data-count"))).toBe(3);

  // Tool results: arguments and the result in a JSON viewer.
  await page.getByTestId("rail-kind-tool_call").click();
  await page.getByTestId("rail-kind-tool_result").click();
  await calls.first().click();
  await expect(page.getByTestId("tool-result")).toBeVisible();
  await expect(page.getByTestId("obs-detail")).toContainText("Arguments");

  // Citations name the clause.
  await page.getByTestId("rail-filter-node").selectOption("");
  await page.getByTestId("rail-kind-tool_result").click();
  await page.getByTestId("rail-kind-citation").click();
  await calls.first().click();
  await expect(page.getByTestId("citation")).toContainText("REF-1.2");
  await shot(page, "run-view-05-citation");

  // Clicking a node selects its latest row.
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(rail).toHaveAttribute("data-count", String(total));
  await page.getByTestId("node-issue_refund").click();
  await expect(page.getByTestId("obs-detail")).toBeVisible();
  const selected = await page.getByTestId("obs-detail").getAttribute("data-id");
  const db = await dbObservations(page.request, runId);
  expect(Number(selected)).toBe(db.filter((o) => o.nodeId === "issue_refund").at(-1)!.id);
});

test("the runs list searches, filters and opens a run", async ({ page }) => {
  await signIn(page, "viewer", "/runs");
  const row = page.locator(`[data-testid="run-row"][data-run="${runId}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute("data-status", "succeeded");
  await expect(row).toContainText("Refund adjudication");
  await expect(row).toContainText("partial");
  await page.getByTestId("runs-filter-verdict").selectOption("partial");
  await expect(row).toBeVisible();
  await page.getByTestId("runs-filter-status").selectOption("failed");
  await expect(row).toHaveCount(0);
  await expect(page.getByText("No runs match these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByTestId("runs-search").fill("blender arrived");
  await expect(page.locator('[data-testid="run-row"]')).toHaveCount(1);
  await page.getByTestId("runs-filter-started-by").fill("builder");
  await expect(row).toBeVisible();
  await shot(page, "run-view-06-runs-list");
  await row.getByRole("link").click();
  await page.waitForURL(`**/runs/${runId}`);
  await expect(page.getByTestId("run-mission")).toHaveText("Refund adjudication");
});

test("a builder cancels a waiting run and re-runs it with the same input", async ({ page }) => {
  await signIn(page, "builder", "/runs");
  const { runId: simple } = await trpc<{ runId: string }>(page.request, "runs.start", { missionId: MISSION, input: INPUT }, "mutation");
  await page.goto(`/runs/${simple}`);
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  await page.getByTestId("run-cancel").click();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "failed");
  await expect(page.getByTestId("run-reason")).toContainText(/cancel/i);
  await page.getByTestId("run-rerun").click();
  await page.waitForURL((u) => u.pathname.startsWith("/runs/") && !u.pathname.endsWith(simple));
  const next = new URL(page.url()).pathname.split("/").pop()!;
  const page2 = await trpc<{ run: { input: unknown; versionId: string } }>(page.request, "runs.get", { runId: next });
  const page1 = await trpc<{ run: { input: unknown; versionId: string } }>(page.request, "runs.get", { runId: simple });
  expect(page2.run.input).toEqual(page1.run.input);
  expect(page2.run.versionId).toBe(page1.run.versionId);
  await expect(page.getByTestId("node-ground")).toHaveAttribute("data-status", /running|succeeded/);
  // A viewer sees neither button.
  await page.context().clearCookies();
  await signIn(page, "viewer", `/runs/${next}`);
  await expect(page.getByTestId("run-mission")).toBeVisible();
  await expect(page.getByTestId("run-cancel")).toHaveCount(0);
  await expect(page.getByTestId("run-rerun")).toHaveCount(0);
});

/**
 * A finished refund run, started by the builder and decided by the approver. On demo order 1046:
 * other journeys on this server refund most of 1042, and this run and its re-run refund again.
 */
async function finishedRefundRun(request: APIRequestContext, browser: Browser, baseURL: string): Promise<string> {
  const input = { orderId: "1046", email: "lena.fischer@example.com", reason: "One chair arrived scratched." };
  const { runId: id } = await trpc<{ runId: string }>(request, "runs.start", { missionId: MISSION, input }, "mutation");
  await approveUntilDone(browser, baseURL, id);
  return id;
}

/** Approves every decision the run asks for (the refund with an amount the shared demo order always fits) until it ends. */
async function approveUntilDone(browser: Browser, baseURL: string, id: string): Promise<string[]> {
  const approver = await approverContext(browser, baseURL);
  const decided: string[] = [];
  try {
    await expect
      .poll(
        async () => {
          const now = await trpc<{ run: { status: string }; decisions: { id: string; nodeId: string; status: string }[] }>(approver.request, "runs.get", { runId: id });
          for (const d of now.decisions.filter((x) => x.status === "pending")) {
            const values = d.nodeId === "refund" ? { values: { amount: 2.5 } } : {};
            const res = await approver.request.post(`/api/v1/decisions/${d.id}`, { data: { approve: true, reason: "Policy REF-1.2 applies.", ...values } });
            if (res.ok()) decided.push(d.nodeId);
          }
          return now.run.status;
        },
        { timeout: 90_000, intervals: [500] },
      )
      .toBe("succeeded");
  } finally {
    await approver.close();
  }
  return decided;
}

test("a builder re-runs a finished refund run from a node: what came before is reused, the rest runs again", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  await signIn(page, "builder", "/runs");
  const source = await finishedRefundRun(page.request, browser, baseURL!);
  const before = await dbObservations(page.request, source);

  // A viewer can look at a node but is not offered the re-run.
  const viewer = await browser.newContext({ baseURL });
  const viewerPage = await viewer.newPage();
  await signIn(viewerPage, "viewer", `/runs/${source}`);
  await viewerPage.getByTestId("node-reason").click();
  await expect(viewerPage.getByTestId("node-panel")).toBeVisible();
  await expect(viewerPage.getByTestId("rerun-from-here")).toHaveCount(0);
  await viewer.close();

  // The builder picks the second Worker and re-runs from it.
  await page.goto(`/runs/${source}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  // The trigger is not offered (that is a plain re-run).
  await page.getByTestId("node-trigger").click();
  await expect(page.getByTestId("node-panel")).toHaveAttribute("data-node", "trigger");
  await expect(page.getByTestId("rerun-from-here")).toHaveCount(0);
  await page.getByTestId("node-reason").click();
  await expect(page.getByTestId("node-panel")).toHaveAttribute("data-node", "reason");
  await page.getByTestId("rerun-from-here").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Re-run from");
  const listed = (id: string) => dialog.getByTestId(id).locator("li").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-node")));
  expect(await listed("rerun-reused")).toEqual(["ground"]);
  expect(await listed("rerun-again")).toEqual(["reason", "gate", "refund", "issue_refund", "crm_note", "verdict"]);
  await shot(page, "run-view-07-rerun-from-here");
  await page.getByTestId("rerun-from-confirm").click();
  await page.waitForURL((u) => u.pathname.startsWith("/runs/") && !u.pathname.endsWith(source));
  const next = new URL(page.url()).pathname.split("/").pop()!;

  // The new run says where it came from; the reused Worker is marked and never runs.
  await expect(page.getByTestId("run-rerun-of")).toContainText(`Re-run of ${source.slice(0, 8)} from reason`);
  const ground = page.getByTestId("node-ground");
  await expect(ground).toHaveAttribute("data-reused", "true");
  await expect(ground).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("node-reused-ground")).toContainText(`Reused from run ${source.slice(0, 8)}`);
  await expect(page.getByTestId("node-reason")).not.toHaveAttribute("data-reused", "true");
  // The rest runs again: the approval asks anew.
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting", { timeout: 90_000 });
  await shot(page, "run-view-08-rerun-waiting");
  const decided = await approveUntilDone(browser, baseURL!, next);
  expect(decided).toContain("refund");
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  for (const n of ["reason", "gate", "refund", "issue_refund", "crm_note", "verdict"]) {
    await expect(page.getByTestId(`node-${n}`)).toHaveAttribute("data-status", "succeeded");
    await expect(page.getByTestId(`node-${n}`)).not.toHaveAttribute("data-reused", "true");
  }
  await expect(page.getByTestId("verdict-outcome")).toHaveText("partial");

  // The rail tells it: ground's only row is its reuse; the fresh Worker streamed and called tools.
  const db = await dbObservations(page.request, next);
  const groundRows = db.filter((o) => o.nodeId === "ground");
  expect(groundRows.map((o) => [o.kind, o.text])).toEqual([["status", `ground reused from run ${source.slice(0, 8)}`]]);
  expect(db.some((o) => o.nodeId === "reason" && o.kind === "reasoning")).toBe(true);
  expect(before.filter((o) => o.nodeId === "ground" && o.kind === "tool_call").length).toBeGreaterThan(0);
  await page.getByTestId("rail-filter-node").selectOption("ground");
  const rows = page.locator('[data-testid="obs-row"]');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("reused from run");
  await rows.first().click();
  await expect(page.getByTestId("node-panel-reused")).toContainText(source.slice(0, 8));
  await shot(page, "run-view-09-rerun-finished");
});
