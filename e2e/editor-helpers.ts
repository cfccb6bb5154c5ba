import type { Locator, Page } from "@playwright/test";
import { expect } from "./fixtures";
import type { MissionGraph, MissionNode } from "../lib/mission/schema";

/** What the editor specs do the way a builder does it: create, drag, connect, select, read back. */

export async function newMission(page: Page, name: string, template?: "refund" | "approval"): Promise<string> {
  await page.goto("/missions");
  await page.getByTestId("new-mission").click();
  await page.getByLabel("Name").fill(name);
  if (template) await page.getByTestId(`template-${template}`).check();
  await page.getByTestId("create-mission-submit").click();
  await page.waitForURL(/\/missions\/[^/]+$/);
  await expect(page.getByTestId("mission-editor")).toBeVisible();
  return new URL(page.url()).pathname.split("/").pop() as string;
}

/** Reads the graph the way a person can: Export shows the mission JSON. */
export async function exported(page: Page): Promise<MissionGraph> {
  await page.getByTestId("editor-export").click();
  const text = await page.getByTestId("export-json").inputValue();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("export-json")).toBeHidden();
  return JSON.parse(text) as MissionGraph;
}

/**
 * Piles every step up near one corner, as an imported document can have them (steps added on the
 * canvas always land in free space), through Import → Replace.
 */
export async function pileUp(page: Page, columns: number, rows: number, spacing: number) {
  const graph = await exported(page);
  graph.nodes.forEach((n, i) => (n.position = { x: (i % columns) * spacing, y: (i % rows) * spacing }));
  await page.getByTestId("editor-import").click();
  await page.getByTestId("editor-import-text").fill(JSON.stringify(graph));
  await page.getByTestId("import-replace").click();
  await expect(page.locator(".react-flow__node")).toHaveCount(graph.nodes.length);
}

export function canvas(page: Page): Locator {
  return page.locator(".react-flow__pane");
}

export function node(page: Page, id: string): Locator {
  return page.getByTestId(`node-${id}`);
}

export function inspector(page: Page): Locator {
  return page.getByTestId("inspector");
}

export async function dropFromPalette(page: Page, kind: MissionNode["kind"], at: { x: number; y: number }) {
  await page.getByTestId(`palette-${kind}`).dragTo(canvas(page), { targetPosition: at });
}

/**
 * A new mission's step between its trigger and its verdict, as a builder adds one: dropped from
 * the palette above them, connected from the trigger and to the verdict, then selected.
 */
export async function addBetweenTriggerAndVerdict(page: Page, kind: MissionNode["kind"]) {
  await dropFromPalette(page, kind, { x: 420, y: 120 });
  await expect(node(page, kind)).toBeVisible();
  await fitView(page);
  await link(page, "trigger", kind);
  await link(page, kind, "verdict");
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
  await select(page, kind);
}

/** Saves the mission's first version, starts a run with the default input and opens it; returns its id. */
export async function saveFirstVersionAndRun(page: Page): Promise<string> {
  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();
  await page.getByTestId("editor-run").click();
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  return new URL(page.url()).pathname.split("/").pop() as string;
}

/**
 * Drags from one handle to another with the mouse, as a person connects two steps. With `onBody`
 * the drag ends on the target step's title instead of its input handle.
 */
export async function connect(page: Page, from: string, to: string, handle?: string, onBody = false) {
  const source = node(page, from).locator(handle ? `.react-flow__handle.source[data-handleid="${handle}"]` : ".react-flow__handle.source").first();
  const target = onBody ? node(page, to) : node(page, to).locator(".react-flow__handle.target");
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  const pane = await canvas(page).boundingBox();
  const inside = (r: { x: number; y: number } | null) => !!r && !!pane && r.x >= pane.x && r.y >= pane.y && r.x <= pane.x + pane.width && r.y <= pane.y + pane.height;
  if (!a || !b || !inside(a) || !inside(b)) throw new Error(`handles of ${from} → ${to} are not on the visible canvas`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 10, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  // Settle on the target before letting go, as a hand does: pointer moves are delivered with
  // animation frames, and on a busy machine a frame can take a while.
  await page.mouse.move(b.x + b.width / 2 + 1, b.y + b.height / 2);
  await page.waitForTimeout(150);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.waitForTimeout(50);
  await page.mouse.up();
}

/**
 * Connects two steps and waits for the new edge, dragging again when a drag was lost, as a person
 * whose drag missed tries again (on a busy machine a pointer event can land between frames). A
 * repeated drag cannot add a second edge: the editor refuses a duplicate connection.
 */
export async function link(page: Page, from: string, to: string, handle?: string) {
  const edges = page.locator(".react-flow__edge");
  const before = await edges.count();
  for (let attempt = 1; ; attempt++) {
    await connect(page, from, to, handle);
    try {
      await expect(edges).toHaveCount(before + 1, { timeout: 3_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

/** The Controls' "fit view" button: brings every step on screen. */
export async function fitView(page: Page) {
  await page.locator(".react-flow__controls-fitview").click();
  await page.waitForTimeout(250);
}

export async function select(page: Page, id: string) {
  await node(page, id).click();
  await expect(inspector(page)).toHaveAttribute("data-node", id);
}

export async function setNodeId(page: Page, to: string) {
  const field = page.getByTestId("inspector-id");
  await field.fill(to);
  await field.press("Enter");
  await expect(inspector(page)).toHaveAttribute("data-node", to);
}

export async function problemCount(page: Page): Promise<number> {
  return Number(await page.getByTestId("problem-count").textContent());
}

/** Deletes every step (a blank mission starts with a trigger and a verdict). */
export async function clearCanvas(page: Page) {
  await focusCanvas(page);
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await expect(page.getByText("An empty canvas")).toBeVisible();
}

export async function focusCanvas(page: Page) {
  // An empty spot of the pane: clicking it clears the selection and takes focus off any input.
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error("no canvas");
  await page.mouse.click(box.x + box.width - 260, box.y + 20);
}

export async function dragNodeBy(page: Page, id: string, dx: number, dy: number) {
  const b = await node(page, id).boundingBox();
  if (!b) throw new Error(`node ${id} is not on screen`);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + dx / 2, b.y + b.height / 2 + dy / 2, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2 + dx, b.y + b.height / 2 + dy, { steps: 4 });
  await page.mouse.up();
}

export async function overlaps(page: Page): Promise<string[]> {
  const boxes = await stepBoxes(page);
  const found: string[] = [];
  boxes.forEach((a, i) =>
    boxes.slice(i + 1).forEach((b) => {
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      if (!apart) found.push(`${a.id}/${b.id}`);
    }),
  );
  return found;
}

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Steps a person cannot see whole: any part outside the canvas, or under the minimap or the zoom
 * controls. Empty when the whole graph is in view. `root` is the canvas element's test id.
 */
export async function hiddenSteps(page: Page, root = "canvas"): Promise<string[]> {
  return page.getByTestId(root).evaluate((el) => {
    const box = (e: Element) => e.getBoundingClientRect();
    const pane = box(el.querySelector(".react-flow") ?? el);
    const covers = [...el.querySelectorAll(".react-flow__minimap, [data-testid=overview-map], .react-flow__controls")].map(box);
    const out: string[] = [];
    for (const n of el.querySelectorAll(".react-flow__node")) {
      const r = box(n);
      const id = n.getAttribute("data-id") ?? "?";
      if (r.left < pane.left - 0.5 || r.top < pane.top - 0.5 || r.right > pane.right + 0.5 || r.bottom > pane.bottom + 0.5) out.push(`${id} (outside the canvas)`);
      else if (covers.some((c) => r.left < c.right && c.left < r.right && r.top < c.bottom && c.top < r.bottom)) out.push(`${id} (under the minimap or controls)`);
    }
    return out;
  });
}

/** The on-screen size in px of a text element's font: its CSS size times the canvas zoom. */
export async function screenFontPx(target: Locator): Promise<number> {
  return target.evaluate((el) => {
    const viewport = el.closest(".react-flow__viewport");
    const zoom = viewport ? new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a : 1;
    return parseFloat(getComputedStyle(el).fontSize) * zoom;
  });
}

/** The canvas's current zoom (1 = 100 %). */
export async function zoomOf(page: Page, root = "canvas"): Promise<number> {
  return page
    .getByTestId(root)
    .locator(".react-flow__viewport")
    .evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
}

/** Every step's card on screen, by id. */
export async function stepBoxes(page: Page): Promise<Box[]> {
  return page.locator(".react-flow__node").evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.getAttribute("data-id") ?? "", x: r.x, y: r.y, w: r.width, h: r.height };
    }),
  );
}

/**
 * Connections drawn through a card that is neither their source nor their target: each path is
 * sampled every few pixels on screen, leaving out its ends (where it leaves and enters its cards).
 */
export async function edgesThroughCards(page: Page, root = "canvas"): Promise<string[]> {
  return page.getByTestId(root).evaluate((el) => {
    const cards = [...el.querySelectorAll(".react-flow__node")].map((n) => ({ id: n.getAttribute("data-id") ?? "?", r: n.getBoundingClientRect() }));
    const inside = (r: DOMRect, p: { x: number; y: number }, inset: number) => p.x > r.left + inset && p.x < r.right - inset && p.y > r.top + inset && p.y < r.bottom - inset;
    const out: string[] = [];
    for (const edge of el.querySelectorAll(".react-flow__edge")) {
      const path = edge.querySelector<SVGPathElement>("path.react-flow__edge-path");
      const ctm = path?.getScreenCTM();
      if (!path || !ctm) continue;
      const length = path.getTotalLength();
      const at = (l: number) => new DOMPoint(path.getPointAtLength(l).x, path.getPointAtLength(l).y).matrixTransform(ctm);
      const [start, end] = [at(0), at(length)];
      const ends = cards.filter((c) => inside(c.r, start, -10) || inside(c.r, end, -10)).map((c) => c.id);
      const step = 4 / ctm.a;
      for (let l = 16 / ctm.a; l < length - 16 / ctm.a; l += step) {
        const p = at(l);
        const hit = cards.find((c) => !ends.includes(c.id) && inside(c.r, p, 2));
        if (hit) {
          out.push(`${edge.getAttribute("data-id") ?? edge.getAttribute("data-testid")} through ${hit.id}`);
          break;
        }
      }
    }
    return out;
  });
}
