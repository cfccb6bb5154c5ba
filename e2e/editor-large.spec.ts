import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { largeMission } from "../lib/mission/bench";
import type { MissionGraph } from "../lib/mission/schema";
import { cardGeometry, NODE_WIDTH } from "../components/editor/nodes/card-geometry";
import { GROUP_PAD, groupSizes, portReach } from "../components/editor/nodes/group";

/**
 * A thousand-step mission in the builder: it opens drawing only the steps in view, each already
 * at its card's size with its connections attached, far out as large titles and closer in with
 * every detail, and a pan brings new steps in the same way. The size and ports the editor hands
 * React Flow before a card is measured (card-geometry.ts) are checked against what Chromium draws.
 */

test.describe.configure({ mode: "serial", timeout: 180_000 });

interface Drawn {
  id: string;
  width: number;
  height: number;
  hidden: boolean;
  handles: { id: string | null; type: string; x: number; y: number }[];
}

/** Every step on the canvas as the browser lays it out, in flow units (zoom divided out). */
async function drawnSteps(page: Page): Promise<{ zoom: number; steps: Drawn[] }> {
  return page.evaluate(() => {
    const viewport = document.querySelector(".react-flow__viewport") as HTMLElement;
    const zoom = new DOMMatrix(getComputedStyle(viewport).transform).a;
    const steps = [...document.querySelectorAll<HTMLElement>(".react-flow__node")].map((el) => {
      const box = el.getBoundingClientRect();
      return {
        id: el.dataset.id ?? "",
        width: el.offsetWidth,
        height: el.offsetHeight,
        hidden: el.style.visibility === "hidden",
        handles: [...el.querySelectorAll<HTMLElement>(".react-flow__handle")].map((h) => {
          const r = h.getBoundingClientRect();
          return { id: h.dataset.handleid ?? null, type: h.classList.contains("source") ? "source" : "target", x: (r.left - box.left) / zoom, y: (r.top - box.top) / zoom };
        }),
      };
    });
    return { zoom, steps };
  });
}

/** Each drawn step has exactly the size and ports the editor computed for it before measuring. */
function expectComputedGeometry(graph: MissionGraph, steps: Drawn[]) {
  expect(steps.length).toBeGreaterThan(0);
  // A For each is drawn as a group with its card GROUP_PAD in from the corner (nodes/group.ts).
  const groups = groupSizes(graph, {});
  for (const step of steps) {
    const node = graph.nodes.find((n) => n.id === step.id);
    if (!node) throw new Error(`unknown step ${step.id}`);
    const group = groups.get(node.id);
    const own = cardGeometry(node);
    // Its ports reach out to the group's border, so connections meet the box, not the card inside.
    const reach = group ? portReach(group.width, NODE_WIDTH, GROUP_PAD) : null;
    const card = group && reach ? { ...group, handles: own.handles.map((h) => ({ ...h, x: h.x + GROUP_PAD + (h.type === "source" ? reach.right : -reach.left), y: h.y + GROUP_PAD })) } : own;
    expect({ id: step.id, width: step.width, height: step.height }).toEqual({ id: step.id, width: card.width, height: card.height });
    const byPort = (h: { id: string | null; type: string }) => `${h.type}:${h.id ?? ""}`;
    const drawn = [...step.handles].sort((a, b) => byPort(a).localeCompare(byPort(b)));
    const computed = [...card.handles].sort((a, b) => byPort({ id: a.id ?? null, type: a.type }).localeCompare(byPort({ id: b.id ?? null, type: b.type })));
    expect(drawn.map(byPort)).toEqual(computed.map((h) => byPort({ id: h.id ?? null, type: h.type })));
    drawn.forEach((h, i) => {
      expect(h.x, `${step.id} ${byPort(h)} x`).toBeCloseTo(computed[i]?.x ?? NaN, 1);
      expect(h.y, `${step.id} ${byPort(h)} y`).toBeCloseTo(computed[i]?.y ?? NaN, 1);
    });
  }
}

test("a 1,000-step mission opens with only the steps in view, far out as titles and close in with details", async ({ page }) => {
  await signIn(page, "builder");
  const graph = largeMission(1_000, 1_200);
  // A few more shapes than the generator draws: a three-way condition and a long title.
  const condition = graph.nodes.find((n) => n.id === "n2");
  if (condition?.kind !== "condition") throw new Error("n2 should be a condition");
  condition.data.branches.push({ id: "other", label: "A branch label long enough to be cut short", expression: "trigger.amount > 1" });
  condition.data.label = "A condition whose title is far too long to fit on one line of its card";
  graph.edges.push({ id: "extra", source: "n2", target: "n6", sourceHandle: "other" });
  const created = await page.request.post("/api/v1/missions", { data: graph });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/missions/${id}`);
  await expect(page.getByTestId("node-trigger")).toBeVisible();
  // Opens at a readable zoom from the trigger: a fraction of the steps, every one visible, drawn
  // as a large title, and connections between them already drawn.
  const far = await drawnSteps(page);
  expect(far.zoom).toBeLessThan(0.45);
  expect(far.steps.length).toBeGreaterThan(20);
  expect(far.steps.length).toBeLessThan(200);
  expect(far.steps.filter((s) => s.hidden)).toEqual([]);
  await expect(page.locator(".react-flow__edge").first()).toBeAttached();
  await expect(page.getByTestId("node-trigger").getByTestId("node-far")).toHaveText("Start");
  await expect(page.getByTestId("node-n2").getByTestId("node-far")).toContainText("A condition whose title");
  expectComputedGeometry(graph, far.steps);
  await shot(page, "editor-large-far");

  // Closer in: the same steps with icon, id, summary and port labels, at the same size.
  const pane = page.locator(".react-flow__pane");
  const box = await pane.boundingBox();
  if (!box) throw new Error("no pane");
  // Zoom In scales by 1.2: four steps from 35 % pass the 70 % where details come back.
  for (let i = 0; i < 4; i++) await page.getByRole("button", { name: "Zoom In" }).click();
  await expect(page.getByTestId("node-trigger").getByTestId("node-far")).toHaveCount(0);
  await expect(page.getByTestId("node-n2")).toContainText("A branch label");
  await expect(page.getByTestId("node-n2")).toContainText("Condition");
  const near = await drawnSteps(page);
  expect(near.zoom).toBeGreaterThanOrEqual(0.7);
  expectComputedGeometry(graph, near.steps);
  await shot(page, "editor-large-near");

  // Pan with the mouse across steps never drawn before: they come in measured and connected.
  const before = new Set(near.steps.map((s) => s.id));
  // From an empty spot at the top right (the overview map is at the bottom right), leftwards.
  await page.mouse.move(box.x + box.width - 40, box.y + 20);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + box.width - 40 - i * 40, box.y + 20 + i * 5);
  await page.mouse.up();
  const panned = await drawnSteps(page);
  const fresh = panned.steps.filter((s) => !before.has(s.id));
  expect(fresh.length).toBeGreaterThan(0);
  expect(panned.steps.filter((s) => s.hidden)).toEqual([]);
  expectComputedGeometry(graph, panned.steps);
  await shot(page, "editor-large-panned");
});
