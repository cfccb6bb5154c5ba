import { describe, expect, it } from "vitest";
import { freeOffset, freeSpot, PLACEMENT_GAP, type Rect } from "./placement";

const card = { width: 220, height: 90 };
const at = (x: number, y: number): Rect => ({ x, y, ...card });
const clear = (a: Rect, b: Rect) => a.x + a.width + PLACEMENT_GAP <= b.x || b.x + b.width + PLACEMENT_GAP <= a.x || a.y + a.height + PLACEMENT_GAP <= b.y || b.y + b.height + PLACEMENT_GAP <= a.y;

describe("placement", () => {
  it("keeps a free spot as asked", () => {
    expect(freeSpot([at(0, 0)], card, { x: 400, y: 0 })).toEqual({ x: 400, y: 0 });
    expect(freeSpot([], card, { x: -13, y: 7 })).toEqual({ x: -13, y: 7 });
  });

  it("moves a card asked for on top of another to the nearest spot clear of it by the gap", () => {
    const occupied = [at(0, 0)];
    const spot = freeSpot(occupied, card, { x: 10, y: 10 });
    expect(clear({ ...spot, ...card }, occupied[0] as Rect)).toBe(true);
    // Below is nearer than beside for a card wider than it is tall.
    expect(spot.x).toBe(10);
    expect(spot.y).toBeGreaterThanOrEqual(90 + PLACEMENT_GAP);
    expect(spot.y).toBeLessThan(90 + PLACEMENT_GAP + 24);
  });

  it("respects what the caller rules out", () => {
    const spot = freeSpot([at(0, 0), at(300, 0)], card, { x: 300, y: 0 }, (p) => p.x >= 300);
    expect(spot.x).toBeGreaterThanOrEqual(300);
    expect(clear({ ...spot, ...card }, at(300, 0))).toBe(true);
  });

  it("moves a group as one, keeping its shape", () => {
    const occupied = [at(0, 0), at(300, 0)];
    const offset = freeOffset(occupied, [at(0, 0), at(300, 0)], { x: 40, y: 40 });
    for (const shape of [at(offset.x, offset.y), at(300 + offset.x, offset.y)]) for (const o of occupied) expect(clear(shape, o)).toBe(true);
  });

  it("goes right of everything when nothing near is free", () => {
    const wall: Rect[] = [];
    for (let x = -2000; x <= 2000; x += 200) for (let y = -2000; y <= 2000; y += 60) wall.push({ x, y, width: 200, height: 60 });
    const spot = freeSpot(wall, card, { x: 0, y: 0 });
    expect(spot).toEqual({ x: 2200 + PLACEMENT_GAP, y: 0 });
  });
});
