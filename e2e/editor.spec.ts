import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { canvas, clearCanvas, connect, dragNodeBy, link, dropFromPalette, exported, fitView, focusCanvas, inspector, newMission, node, overlaps, pileUp, problemCount, select, setNodeId } from "./editor-helpers";
import { publishAsApprover } from "./publishing";
import { refundMission } from "../lib/mission/templates/refund";
import type { MissionEdge, MissionGraph, MissionNode } from "../lib/mission/schema";

/**
 * The Mission builder, used the way a builder uses it: drag from the palette, drag between
 * handles, type in the inspector, press shortcuts, and check what the screen shows.
 */

// Generous: these walk long journeys, and a shared 2-core machine can be slow.
test.describe.configure({ mode: "serial", timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

async function fillNode(page: Page, n: MissionNode, opts: { skipVerdictOutcome?: boolean } = {}) {
  const panel = inspector(page);
  await page.getByTestId("inspector-label").fill(n.data.label);
  switch (n.kind) {
    case "trigger": {
      for (const [channel, label] of [["manual", "Manual"], ["portal", "Portal"], ["api", "API"]] as const) {
        await panel.getByLabel(label, { exact: true }).setChecked(n.data.channels.includes(channel));
      }
      if (n.data.portal) {
        await panel.getByLabel("Portal address").fill(n.data.portal.slug ?? "");
        await panel.getByLabel("Portal title").fill(n.data.portal.title);
        await panel.getByLabel("Portal intro").fill(n.data.portal.intro);
      }
      for (const [i, f] of n.data.fields.entries()) {
        await panel.getByTestId("add-input-field").click();
        const row = panel.getByTestId(`input-${i}`);
        await row.getByLabel("Name", { exact: true }).fill(f.name);
        await row.getByLabel("Type", { exact: true }).selectOption(f.type);
        await row.getByLabel("Label", { exact: true }).fill(f.label);
        await row.getByLabel("Required").setChecked(f.required);
        if (f.maxLength !== undefined) await row.getByLabel("Maximum length (optional)").fill(String(f.maxLength));
      }
      break;
    }
    case "worker": {
      await panel.getByLabel("Instructions", { exact: true }).fill(n.data.instructions);
      // The demo registers replay models and MCP connectors, so both are picked from lists.
      await panel.getByLabel("Model").selectOption(n.data.model);
      for (const tool of n.data.tools) {
        await panel.getByLabel("Add a tool").selectOption(tool);
        await expect(panel.getByRole("list", { name: "Allowed tools" })).toContainText(tool);
      }
      for (const [i, o] of n.data.outputs.entries()) {
        await panel.getByTestId("add-output").click();
        const row = panel.getByTestId(`output-${i}`);
        await row.getByLabel("Name", { exact: true }).fill(o.name);
        await row.getByLabel("Type", { exact: true }).selectOption(o.type);
        await row.getByLabel("Description").fill(o.description);
        if (o.values) await row.getByLabel("Allowed values").fill(o.values.join(", "));
      }
      break;
    }
    case "condition": {
      for (const [i, b] of n.data.branches.entries()) {
        await panel.getByTestId("add-branch").click();
        const row = panel.getByTestId(`branch-${i}`);
        await row.getByLabel("Branch id").fill(b.id);
        await row.getByLabel("Branch label").fill(b.label);
        await row.getByLabel("When").fill(b.expression);
      }
      break;
    }
    case "approval": {
      await panel.getByLabel("Title").fill(n.data.title);
      await panel.getByLabel("Approver role").selectOption(n.data.approverRole);
      await panel.getByLabel("Approvals needed").fill(String(n.data.requiredApprovals));
      await panel.getByLabel("Separation of duties").setChecked(n.data.separationOfDuties);
      await panel.getByLabel("Reason required on reject").setChecked(n.data.reasonRequiredOnReject);
      for (const [i, p] of n.data.proposed.entries()) {
        await panel.getByTestId("add-proposed").click();
        const row = panel.getByTestId(`proposed-${i}`);
        await row.getByLabel("Name", { exact: true }).fill(p.name);
        await row.getByLabel("Type", { exact: true }).selectOption(p.type);
        await row.getByLabel("Label", { exact: true }).fill(p.label);
        await row.getByLabel("Value", { exact: true }).fill(p.expression);
        await row.getByLabel("Approver may edit").setChecked(p.editable);
      }
      await panel.getByLabel("Timeout").fill(n.data.timeout);
      await panel.getByLabel("Then").selectOption(n.data.onTimeout);
      break;
    }
    case "action": {
      await panel.getByLabel("Tool", { exact: true }).selectOption(n.data.tool);
      // The tool's input schema lists its arguments; each gets an expression.
      for (const [name, expression] of Object.entries(n.data.args)) {
        await panel.getByTestId(`arg-${name}`).getByRole("textbox").fill(expression);
      }
      break;
    }
    case "verdict": {
      await panel.getByLabel("Outcomes").fill(n.data.outcomes.join(", "));
      await panel.getByLabel("Summary").fill(n.data.summary);
      if (!opts.skipVerdictOutcome) await panel.getByLabel("Outcome expression").fill(n.data.outcome);
      break;
    }
  }
}

/** A graph without what the canvas decides (positions, edge ids), in a stable order. */
function shape(graph: MissionGraph) {
  const edge = (e: MissionEdge) => `${e.source}.${e.sourceHandle ?? "out"}->${e.target}`;
  return {
    nodes: graph.nodes.map((n) => ({ id: n.id, kind: n.kind, data: n.data })).sort((a, b) => a.id.localeCompare(b.id)),
    edges: graph.edges.map(edge).sort(),
  };
}

test("a builder draws the refund mission from an empty canvas, fixes every problem, saves and gets the identical graph back", async ({ page }) => {
  test.setTimeout(240_000);
  const refund = refundMission();
  await signIn(page, "builder");
  await newMission(page, "Refund, drawn by hand");
  // A blank mission starts with a trigger and a verdict: this journey draws every step itself.
  await clearCanvas(page);
  await shot(page, "editor-01-empty-canvas");

  // Zoom out so two rows of four steps fit on screen.
  await page.locator(".react-flow__controls-zoomout").click();
  await page.locator(".react-flow__controls-zoomout").click();

  const box = await canvas(page).boundingBox();
  if (!box) throw new Error("no canvas");
  // Clear of the canvas edges, where a connection being dragged starts panning the view.
  const slot = (i: number) => ({ x: 150 + (i % 4) * 200, y: 140 + Math.floor(i / 4) * 260 });
  for (const [i, n] of refund.nodes.entries()) {
    await dropFromPalette(page, n.kind, slot(i));
    // A new step is named after its kind; each is renamed before the next is added.
    const fresh = n.kind;
    await expect(node(page, fresh)).toBeVisible();
    await expect(inspector(page)).toHaveAttribute("data-node", fresh);
    if (fresh !== n.id) await setNodeId(page, n.id);
    await fillNode(page, n, { skipVerdictOutcome: true });
    if (i === 1) await shot(page, "editor-02-worker-inspector");
  }
  await shot(page, "editor-03-all-steps-unconnected");
  expect(await problemCount(page)).toBeGreaterThan(0);

  for (const [i, e] of refund.edges.entries()) {
    await link(page, e.source, e.target, e.sourceHandle);
    await expect(page.locator(".react-flow__edge"), `connected ${e.source}.${e.sourceHandle ?? "out"} → ${e.target}`).toHaveCount(i + 1);
  }
  await shot(page, "editor-04-connected");

  // The validator reports what is missing; clicking the problem goes to the step to fix it.
  await page.getByTestId("tab-problems").click();
  const problems = page.getByTestId("problem");
  await expect(problems).toHaveCount(1);
  await expect(problems.first()).toContainText("verdict");
  await expect(problems.first()).toContainText("write the expression that picks the outcome");
  await expect(node(page, "verdict")).toHaveAttribute("data-problems", "1");
  await shot(page, "editor-05-problem-listed");
  await problems.first().click();
  await expect(inspector(page)).toHaveAttribute("data-node", "verdict");
  const verdictNode = refund.nodes.find((n) => n.id === "verdict");
  if (verdictNode?.kind !== "verdict") throw new Error("the refund template has no verdict node");
  await inspector(page).getByLabel("Outcome expression").fill(verdictNode.data.outcome);
  await page.getByTestId("tab-problems").click();
  await expect(page.getByTestId("no-problems")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await shot(page, "editor-06-no-problems");

  const drawn = await exported(page);
  expect(shape(drawn)).toEqual(shape(refund));

  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Drawn by hand");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();
  await expect(page.getByTestId("save-status")).toHaveText(/Saved/);
  await shot(page, "editor-07-saved");

  await page.reload();
  await expect(node(page, "verdict")).toBeVisible();
  expect(await exported(page)).toEqual(drawn);
  await page.getByTestId("tab-versions").click();
  await expect(page.getByTestId("version-1")).toContainText("Drawn by hand");
});

test("undo and redo walk through 20 edits, returning exactly to each earlier state", async ({ page }) => {
  // 61 reads of the graph through the Export dialog: about a minute idle, several on a busy 2-core machine.
  test.setTimeout(480_000);
  await signIn(page, "builder");
  await newMission(page, "Undo journey");
  await clearCanvas(page);
  const states: MissionGraph[] = [await exported(page)];
  const edit = async (what: () => Promise<unknown>) => {
    await what();
    const next = await exported(page);
    expect(next, "every edit changes the graph").not.toEqual(states[states.length - 1]);
    states.push(next);
  };
  const panel = inspector(page);

  await edit(() => page.getByTestId("palette-trigger").click());
  await edit(() => page.getByTestId("palette-worker").click());
  await edit(() => page.getByTestId("palette-verdict").click());
  await fitView(page);
  await edit(() => link(page, "trigger", "worker"));
  await edit(() => link(page, "worker", "verdict"));
  await fitView(page);
  await select(page, "worker");
  await edit(() => page.getByTestId("inspector-label").fill("Look it up"));
  await edit(() => panel.getByLabel("Instructions", { exact: true }).fill("Find the order."));
  await edit(() => panel.getByTestId("add-output").click());
  await edit(() => panel.getByTestId("output-0").getByLabel("Name", { exact: true }).fill("total"));
  await edit(() => panel.getByTestId("output-0").getByLabel("Type", { exact: true }).selectOption("number"));
  await edit(() => setNodeId(page, "lookup"));
  await select(page, "trigger");
  await edit(() => panel.getByTestId("add-input-field").click());
  await edit(() => panel.getByTestId("input-0").getByLabel("Name", { exact: true }).fill("orderId"));
  await edit(() => panel.getByLabel("API", { exact: true }).uncheck());
  await select(page, "verdict");
  await edit(() => panel.getByLabel("Outcomes").fill("done"));
  await edit(() => panel.getByLabel("Outcome expression").fill('"done"'));
  await edit(() => dragNodeBy(page, "verdict", 120, 140));
  await edit(() => page.getByTestId("palette-condition").click());
  await fitView(page);
  await edit(async () => {
    await select(page, "condition");
    await page.keyboard.press("Delete");
  });
  await edit(async () => {
    await page.getByTestId("auto-layout").click();
    await expect(page.getByTestId("auto-layout")).toBeEnabled();
    await page.waitForTimeout(400);
  });
  expect(states).toHaveLength(21);
  await shot(page, "editor-08-after-20-edits");

  await focusCanvas(page);
  for (let i = states.length - 2; i >= 0; i--) {
    await page.keyboard.press("Control+z");
    expect(await exported(page)).toEqual(states[i]);
  }
  await shot(page, "editor-09-undone-to-empty");
  for (let i = 1; i < states.length; i++) {
    await page.keyboard.press("Control+Shift+z");
    expect(await exported(page)).toEqual(states[i]);
  }
  await expect(node(page, "lookup")).toBeVisible();
});

test("steps copied in one mission paste into another, with their connection", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const refund = refundMission();
  await signIn(page, "builder");
  await newMission(page, "Copy source", "refund");
  await select(page, "ground");
  await node(page, "reason").click({ modifiers: ["Control"] });
  await expect(page.getByTestId("inspector")).toContainText("2 steps selected");
  await shot(page, "editor-10-two-selected");
  await page.keyboard.press("Control+c");
  await expect(page.getByText("Copied 2 steps")).toBeVisible();

  await newMission(page, "Copy target");
  await focusCanvas(page);
  await page.keyboard.press("Control+v");
  await expect(node(page, "ground")).toBeVisible();
  await expect(node(page, "reason")).toBeVisible();
  // The blank mission's own trigger → verdict connection, and the pasted one.
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await shot(page, "editor-11-pasted-into-other-mission");
  const pasted = await exported(page);
  const copies = (g: MissionGraph) => g.nodes.filter((n) => n.id !== "trigger" && n.id !== "verdict");
  // Where the ids are free the steps keep them, and their labels.
  expect(copies(pasted).map((n) => ({ id: n.id, kind: n.kind, data: n.data }))).toEqual(
    refund.nodes.filter((n) => n.id === "ground" || n.id === "reason").map((n) => ({ id: n.id, kind: n.kind, data: n.data })),
  );
  expect(pasted.edges.filter((e) => e.source !== "trigger")).toEqual([{ id: "ground->reason", source: "ground", target: "reason" }]);

  // Pasting again in the same mission makes copies with fresh ids, clear of the originals, that say they are copies.
  await page.keyboard.press("Control+v");
  await expect(node(page, "ground_2")).toBeVisible();
  await expect(node(page, "reason_2")).toBeVisible();
  const again = await exported(page);
  const reason2 = again.nodes.find((n) => n.id === "reason_2");
  expect(again.edges.map((e) => `${e.source}->${e.target}`)).toContain("ground_2->reason_2");
  const reason = refund.nodes.find((n) => n.id === "reason");
  expect(reason2?.data).toEqual({ ...reason?.data, label: `${reason?.data.label} (copy)` });
  expect(await overlaps(page)).toEqual([]);
});

test("auto-layout arranges overlapping steps so that none overlap", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Layout", "refund");
  await pileUp(page, 3, 2, 50);
  await fitView(page);
  expect((await overlaps(page)).length).toBeGreaterThan(0);
  await shot(page, "editor-12-overlapping");
  await page.getByTestId("auto-layout").click();
  await expect.poll(() => overlaps(page), { timeout: 10_000 }).toEqual([]);
  await page.waitForTimeout(400);
  await shot(page, "editor-13-auto-layout");
  expect(await overlaps(page)).toEqual([]);
});

test("restoring an older version loads it into the draft and highlights what changed", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Versions", "refund");
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Original");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();

  await select(page, "crm_note");
  await page.keyboard.press("Delete");
  await expect(node(page, "crm_note")).toHaveCount(0);
  await page.getByTestId("palette-worker").click();
  await expect(node(page, "worker")).toBeVisible();
  await select(page, "gate");
  await page.getByTestId("inspector-label").fill("Deny right away?");
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Drop the CRM note");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v2")).toBeVisible();

  await page.getByTestId("tab-versions").click();
  await expect(page.getByTestId("version-2")).toContainText("Drop the CRM note");
  await page.getByTestId("restore-1").click();
  await expect(page.getByTestId("diff-banner")).toBeVisible();
  await expect(node(page, "crm_note")).toHaveAttribute("data-diff", "added");
  await expect(node(page, "gate")).toHaveAttribute("data-diff", "changed");
  await expect(page.getByTestId("removed-node-worker")).toBeVisible();
  await expect(page.getByTestId("diff-added")).toContainText("1 added");
  await expect(page.getByTestId("diff-removed")).toContainText("1 removed");
  await expect(page.getByTestId("diff-changed")).toContainText("1 changed");
  await shot(page, "editor-14-restored-v1-diff");
  const restored = await exported(page);
  expect(shape(restored)).toEqual(shape(refundMission()));

  // Comparing with v2 shows the same change from the other side; undo takes the restore back.
  await page.getByTestId("compare-2").click();
  await expect(node(page, "crm_note")).toHaveAttribute("data-diff", "added");
  await expect(page.getByTestId("diff-banner")).toContainText("v2");
  await page.getByTestId("diff-clear").click();
  await expect(page.getByTestId("diff-banner")).toBeHidden();
  await focusCanvas(page);
  await page.keyboard.press("Control+z");
  await expect(node(page, "worker")).toBeVisible();
  await expect(node(page, "crm_note")).toHaveCount(0);
});

test("bad input: garbage paste, a file that is not a mission, refused connections, broken expressions, dangling references", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Bad input", "refund");
  const before = await exported(page);

  // Garbage on the clipboard.
  await page.getByTestId("editor-import").click();
  await page.getByTestId("editor-import-text").fill("hello, this is not a mission");
  await page.getByTestId("editor-import-text").press("Control+a");
  await page.getByTestId("editor-import-text").press("Control+c");
  await expect(page.getByTestId("problem-list")).toContainText("not valid JSON");
  await page.keyboard.press("Escape");
  await focusCanvas(page);
  await page.keyboard.press("Control+v");
  await expect(page.getByText("The clipboard does not hold Steward steps")).toBeVisible();
  await shot(page, "editor-15-garbage-paste");

  // A dropped file that is not a mission.
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['{"hello":"world"}'], "notes.json", { type: "application/json" }));
    return dt;
  });
  await page.getByTestId("canvas").dispatchEvent("drop", { dataTransfer });
  await expect(page.getByText("notes.json: The file holds JSON, but not a Steward mission")).toBeVisible();
  expect(await exported(page)).toEqual(before);

  // Connections the rules refuse say why.
  await connect(page, "crm_note", "ground");
  await expect(page.getByText(/That would make a loop/)).toBeVisible();
  await connect(page, "reason", "trigger", undefined, true);
  await expect(page.getByText("Nothing can lead into a trigger: it is where a run starts.")).toBeVisible();
  await connect(page, "trigger", "ground");
  await expect(page.getByText("trigger is already connected to ground from that output.")).toBeVisible();
  expect(await exported(page)).toEqual(before);

  // An expression that does not parse, and duplicate output names, are shown on their fields.
  await select(page, "gate");
  await inspector(page).getByTestId("branch-0").getByLabel("When").fill('reason.decision == "deny" &&');
  await expect(inspector(page).getByTestId("branch-0")).toContainText("does not parse");
  await expect(node(page, "gate")).toHaveAttribute("data-problems", "1");
  await select(page, "reason");
  await inspector(page).getByTestId("output-1").getByLabel("Name", { exact: true }).fill("decision");
  await expect(inspector(page).getByTestId("output-1")).toContainText('duplicate output name "decision"');
  await shot(page, "editor-16-field-problems");

  // Deleting a step that others read: the readers show the dangling reference.
  await focusCanvas(page);
  await select(page, "ground");
  await page.keyboard.press("Backspace");
  await expect(node(page, "ground")).toHaveCount(0);
  await expect(node(page, "refund")).not.toHaveAttribute("data-problems", "0");
  await page.getByTestId("tab-problems").click();
  await expect(page.getByTestId("problems")).toContainText('refers to "ground", which is not a step in this mission');
  await shot(page, "editor-17-dangling-reference");
});

test("shortcuts help, leaving with unsaved changes, and read-only viewers", async ({ page, browser }) => {
  await signIn(page, "builder");
  await newMission(page, "Guarded", "approval");
  await focusCanvas(page);
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcuts")).toContainText("Undo");
  await expect(page.getByTestId("shortcuts")).toContainText("Duplicate the selected steps");
  await shot(page, "editor-18-shortcuts");
  await page.keyboard.press("Escape");

  await page.getByTestId("palette-worker").click();
  await expect(page.getByTestId("save-status")).toHaveText("Unsaved changes");
  await page.getByTestId("back-to-missions").click();
  await expect(page.getByText("Leave with unsaved changes?")).toBeVisible();
  await shot(page, "editor-19-leave-guard");
  await page.getByRole("button", { name: "Stay" }).click();
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 10_000 });
  const url = page.url();
  await page.getByTestId("back-to-missions").click();
  await page.waitForURL(/\/missions$/);

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, "viewer", new URL(url).pathname);
  await expect(viewer.getByTestId("read-only-banner")).toBeVisible();
  await expect(viewer.getByTestId("palette-worker")).toHaveCount(0);
  await expect(viewer.getByTestId("node-worker")).toBeVisible();
  await viewer.getByTestId("node-worker").click();
  await expect(viewer.getByTestId("inspector-label")).toBeDisabled();
  await shot(viewer, "editor-20-read-only");
  await viewerContext.close();
});

test("expressions autocomplete what a step can read; Shift-drag selects a box; Ctrl+S saves from a field", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Autocomplete", "refund");
  await select(page, "gate");
  const when = inspector(page).getByTestId("branch-0").getByLabel("When");
  await when.fill("");
  await when.pressSequentially("reason.dec");
  const option = page.getByRole("option", { name: /reason\.decision/ });
  await expect(option).toBeVisible();
  await expect(page.getByRole("option", { name: /refund\.values/ })).toHaveCount(0);
  await shot(page, "editor-21-autocomplete");
  await when.press("Enter");
  await expect(when).toHaveValue("reason.decision");
  await when.pressSequentially(' == "deny"');
  await expect(when).toHaveValue('reason.decision == "deny"');

  await when.press("Control+s");
  await expect(page.getByRole("dialog", { name: "Save a version" })).toBeVisible();
  await page.keyboard.press("Escape");

  await focusCanvas(page);
  const pane = await canvas(page).boundingBox();
  if (!pane) throw new Error("no canvas");
  await page.keyboard.down("Shift");
  await page.mouse.move(pane.x + 10, pane.y + 10);
  await page.mouse.down();
  await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height - 10, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.up("Shift");
  await expect(inspector(page)).toContainText(/\d+ steps(?: and \d+ connections?)? selected/);
  await shot(page, "editor-22-box-selection");
});

test("Run starts the latest saved version from a form built from the trigger's inputs", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  const missionId = await newMission(page, "Run from the editor", "approval");
  await page.getByTestId("editor-run").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Save a version of this mission first");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("First cut");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();
  // Its approval step makes it a version that a second person publishes.
  await publishAsApprover(browser, baseURL!, missionId, 1);

  await page.getByTestId("editor-run").click();
  await expect(dialog).toContainText("Version 1 — First cut");
  await expect(dialog).toContainText("save first to include edits");
  await page.getByTestId("start-run-submit").click();
  await expect(dialog.getByText("What do you need? is required")).toBeVisible();
  await shot(page, "editor-23-run-form");
  await dialog.getByLabel("What do you need?").fill("A second monitor");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  await expect(page.getByTestId("run-mission")).toContainText("Run from the editor");
  await expect(page.getByTestId("node-approval")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  // Leave nothing waiting in the Decision Queue for the other journeys.
  await page.getByTestId("run-cancel").click();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "cancelled");
});

test("deleting the steps after an approval shows that its Approved output leads nowhere; an unknown tool is a warning, not a problem", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Approval into nothing", "refund");
  await page.getByTestId("tab-problems").click();
  await expect(page.getByTestId("no-problems")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText("0");

  // Delete what follows the approval: the refund and the CRM note.
  await page.getByTestId("tab-inspect").click();
  for (const id of ["issue_refund", "crm_note"]) {
    await focusCanvas(page);
    await select(page, id);
    await page.keyboard.press("Backspace");
    await expect(node(page, id)).toHaveCount(0);
  }
  await page.getByTestId("tab-problems").click();
  const problems = page.getByTestId("problem");
  await expect(problems).toHaveCount(1);
  await expect(problems.first()).toContainText('the "Approved" output of "refund" leads nowhere');
  await expect(page.getByTestId("problem-count")).toHaveText("1");
  await expect(node(page, "refund")).toHaveAttribute("data-problems", "1");
  await shot(page, "editor-24-approval-leads-nowhere");

  // An action naming a tool no connector offers, put after the approval: no problem is left, and
  // the unknown tool is a warning (the mission can run; a connector may be added later).
  const graph = await exported(page);
  graph.nodes.push({ id: "notify", kind: "action", position: { x: 1400, y: 260 }, data: { label: "Notify", tool: "nope.nothing", args: {} } });
  graph.edges.push({ id: "e-refund-notify", source: "refund", sourceHandle: "approved", target: "notify" }, { id: "e-notify-verdict", source: "notify", target: "verdict" });
  await page.getByTestId("editor-import").click();
  await page.getByTestId("editor-import-text").fill(JSON.stringify(graph));
  await page.getByTestId("import-replace").click();
  await page.getByTestId("tab-problems").click();
  await expect(page.getByTestId("no-problems")).toBeVisible();
  const warnings = page.getByTestId("warning");
  await expect(warnings).toHaveCount(1);
  await expect(warnings.first()).toContainText("Warning");
  await expect(warnings.first()).toContainText('unknown tool "nope.nothing": no enabled connector offers it yet');
  await expect(page.getByTestId("warning-count")).toHaveText("1");
  await shot(page, "editor-25-unknown-tool-warning");
});
