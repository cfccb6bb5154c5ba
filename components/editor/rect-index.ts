/** Rectangles on the canvas (flow coordinates), and an index that finds those near a spot quickly. */

export interface XY {
  x: number;
  y: number;
}

export interface Rect extends XY {
  width: number;
  height: number;
}

/** Whether two rectangles come within `gap` of each other. */
export function clash(a: Rect, b: Rect, gap = 0): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

/** The union of some rectangles. */
export function bounds(rects: readonly Rect[]): Rect {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const r of rects) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

const CELL = 256;

/**
 * Rectangles bucketed by 256 px cells, so "what is near here" looks only at the cards around a
 * spot, not at all thousand of a big mission.
 */
export class RectIndex<T extends Rect = Rect> {
  private cells = new Map<number, T[]>();

  constructor(items: Iterable<T>) {
    for (const item of items) {
      this.each(item, 0, (key) => {
        const cell = this.cells.get(key);
        if (cell) cell.push(item);
        else this.cells.set(key, [item]);
      });
    }
  }

  /** Cell keys as numbers (cheaper than strings); missions stay far inside ±2^20 cells. */
  private each(r: Rect, pad: number, visit: (key: number) => boolean | void): boolean {
    for (let cx = Math.floor((r.x - pad) / CELL); cx <= Math.floor((r.x + r.width + pad) / CELL); cx++) {
      for (let cy = Math.floor((r.y - pad) / CELL); cy <= Math.floor((r.y + r.height + pad) / CELL); cy++) {
        if (visit(cx * 2_097_152 + cy) === true) return true;
      }
    }
    return false;
  }

  /** Whether `r` comes within `gap` of any rectangle held. */
  clashes(r: Rect, gap = 0): boolean {
    return this.each(r, gap, (key) => this.cells.get(key)?.some((o) => clash(o, r, gap)) === true);
  }

  /** Every rectangle held that comes within `gap` of `r`, each once. */
  near(r: Rect, gap = 0): T[] {
    const found = new Set<T>();
    this.each(r, gap, (key) => {
      for (const o of this.cells.get(key) ?? []) if (clash(o, r, gap)) found.add(o);
    });
    return [...found];
  }
}
