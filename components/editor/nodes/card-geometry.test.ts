import { describe, expect, it } from "vitest";
import { missionGraphSchema } from "@/lib/mission/schema";
import { cardGeometry, NODE_WIDTH } from "./card-geometry";

const nodes = missionGraphSchema.parse({
  format: "steward.mission/v1",
  name: "Shapes",
  nodes: [
    { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: {} },
    { id: "check", kind: "condition", position: { x: 0, y: 0 }, data: { branches: [{ id: "big", label: "Big", expression: "1 > 0" }, { id: "b2", label: "", expression: "2 > 1" }] } },
    { id: "gate", kind: "approval", position: { x: 0, y: 0 }, data: {} },
    { id: "act", kind: "action", position: { x: 0, y: 0 }, data: { tool: "crm.add_note" } },
    { id: "verdict", kind: "verdict", position: { x: 0, y: 0 }, data: {} },
  ],
  edges: [],
}).nodes;
const byId = (id: string) => nodes.find((n) => n.id === id)!;

// The figures are what Chromium draws for node-card.tsx (e2e/editor-large.spec.ts compares the two).
describe("card geometry", () => {
  it("gives a plain step one input and one output, centred on its sides", () => {
    expect(cardGeometry(byId("trigger"))).toEqual({
      width: NODE_WIDTH,
      height: 90,
      handles: [{ id: null, type: "source", position: "right", x: 213, y: 38.75, width: 12, height: 12 }],
    });
    expect(cardGeometry(byId("verdict")).handles).toEqual([{ id: null, type: "target", position: "left", x: -5, y: 38.75, width: 12, height: 12 }]);
  });

  it("adds a row per named output, each with its handle on the row", () => {
    const check = cardGeometry(byId("check"));
    expect(check.height).toBe(171);
    expect(check.handles.map((h) => [h.id, h.type, h.y])).toEqual([
      [null, "target", 79.25],
      ["big", "source", 99.5],
      ["b2", "source", 123.5],
      ["else", "source", 147.5],
    ]);
    const gate = cardGeometry(byId("gate"));
    expect(gate.height).toBe(147);
    expect(gate.handles.map((h) => h.id)).toEqual([null, "approved", "rejected"]);
  });

  it("lists an action's default output as a row too, above its rejected one", () => {
    const act = cardGeometry(byId("act"));
    expect(act.height).toBe(147);
    expect(act.handles.map((h) => [h.id, h.type, h.y])).toEqual([
      [null, "target", 67.25],
      [null, "source", 99.5],
      ["rejected", "source", 123.5],
    ]);
  });

  it("grows by the problem line only when a step with problems is selected", () => {
    expect(cardGeometry(byId("gate"), { problems: 2 }).height).toBe(147);
    expect(cardGeometry(byId("gate"), { selected: true }).height).toBe(147);
    expect(cardGeometry(byId("gate"), { selected: true, problems: 2 }).height).toBe(172);
  });
});
