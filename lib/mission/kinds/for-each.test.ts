import { describe, expect, it } from "vitest";
import { createNode } from "../node-kinds";
import { MISSION_FORMAT, type MissionEdge, type MissionGraph, type MissionNode } from "../schema";
import { validateMission } from "../validate";
import { bodyOf } from "../groups";
import { itemStepId } from "./for-each";

const at = { x: 0, y: 0 };

/** trigger → prep (Transform) → loop (For each: fmt → check) → done (Verdict). */
function graph(change: (g: { nodes: MissionNode[]; edges: MissionEdge[] }) => void = () => {}): MissionGraph {
  const trigger = createNode("trigger", "start", at);
  trigger.data.fields = [{ name: "n", label: "", type: "number", required: true, description: "" }];
  const prep = createNode("transform", "prep", at);
  prep.data.values = [{ name: "list", type: "string", description: "", expression: '"a,b"' }];
  const loop = createNode("forEach", "tickets", at);
  loop.data.items = 'prep.list.split(",")';
  const fmt = { ...createNode("transform", "fmt", at), parentId: "tickets" };
  fmt.data.values = [{ name: "line", type: "string", description: "", expression: 'item + string(index) + prep.list + string(trigger.n)' }];
  const check = { ...createNode("condition", "check", at), parentId: "tickets" };
  check.data.branches = [{ id: "long", label: "", expression: "size(fmt.line) > 3" }];
  const done = createNode("verdict", "done", at);
  done.data.outcomes = ["ok"];
  done.data.outcome = '"ok"';
  done.data.summary = "string(size(tickets))";
  const g = {
    nodes: [trigger, prep, loop, fmt, check, done] as MissionNode[],
    edges: [
      { id: "e1", source: "start", target: "prep" },
      { id: "e2", source: "prep", target: "tickets" },
      { id: "e3", source: "tickets", target: "done" },
      { id: "e4", source: "fmt", target: "check" },
    ] as MissionEdge[],
  };
  change(g);
  return { format: MISSION_FORMAT, name: "loop", description: "", ...g };
}

const messages = (g: unknown) => validateMission(g).problems.map((p) => `${p.path}: ${p.message}`);
const nodeOf = (g: { nodes: MissionNode[] }, id: string) => g.nodes.find((n) => n.id === id) as MissionNode & { data: Record<string, unknown> };

describe("a For each and the steps inside it", () => {
  it("validates: the body reads item, index, its own earlier steps and what the For each reads, and is not disconnected", () => {
    expect(messages(graph())).toEqual([]);
  });

  it("finds the body, where an item starts and ends, and names an item's steps", () => {
    const body = bodyOf(graph(), "tickets");
    expect(body.nodes.map((n) => n.id)).toEqual(["fmt", "check"]);
    expect(body.entries).toEqual(["fmt"]);
    expect(body.exits).toEqual(["check"]);
    expect(itemStepId("tickets", 17, "fmt")).toBe("tickets[17].fmt");
    expect(itemStepId("tickets", 17)).toBe("tickets[17]");
  });

  it("refuses a connection across the group's border", () => {
    expect(messages(graph((g) => g.edges.push({ id: "x", source: "prep", target: "fmt" })))).toContain(
      'edges[4]: connects "prep" (outside every For each) to "fmt" (inside "tickets"): a connection may not cross a For each\'s border; connect to the For each itself',
    );
    expect(messages(graph((g) => g.edges.push({ id: "x", source: "check", sourceHandle: "else", target: "done" })))).toContain(
      'edges[4]: connects "check" (inside "tickets") to "done" (outside every For each): a connection may not cross a For each\'s border; connect to the For each itself',
    );
  });

  it("refuses kinds that cannot repeat, nesting, a parent that is no For each, and ids that shadow item and index", () => {
    const problems = messages(
      graph((g) => {
        g.nodes.push({ ...createNode("approval", "ok", at), parentId: "tickets" });
        g.nodes.push({ ...createNode("forEach", "inner", at), parentId: "tickets" });
        g.nodes.push({ ...createNode("transform", "stray", at), parentId: "prep" });
        g.nodes.push({ ...createNode("transform", "item", at), parentId: "tickets" });
      }),
    );
    expect(problems).toContain('nodes[6]: An approval cannot run inside a For each; move it out of "tickets"');
    expect(problems).toContain('nodes[7]: A For each (they do not nest) cannot run inside a For each; move it out of "tickets"');
    expect(problems).toContain('nodes[8].parentId: is inside "prep", which is a transform: only a For each holds steps');
    expect(problems).toContain('nodes[9].id: "item" names the current item inside a For each; choose another id');
  });

  it("needs a list, steps inside (or a result), and bounds on how many items and how many at once", () => {
    const problems = messages(
      graph((g) => {
        const loop = nodeOf(g, "tickets");
        loop.data = { ...loop.data, concurrency: 51, maxItems: 5_001 };
        g.nodes.push({ ...createNode("forEach", "empty", at) });
        (nodeOf(g, "empty").data as { items: string }).items = "[1]";
        g.edges.push({ id: "y", source: "prep", target: "empty" }, { id: "z", source: "empty", target: "done" });
      }),
    );
    expect(problems).toContain("nodes[2].data.concurrency: must be at most 50 items at once");
    expect(problems).toContain("nodes[2].data.maxItems: must be at most 5,000");
    expect(problems).toContain("nodes[6]: put at least one step inside the For each (its body runs once per item), or write the result of an item");
    expect(messages(graph((g) => ((nodeOf(g, "tickets").data as { concurrency: number }).concurrency = 0)))).toContain("nodes[2].data.concurrency: must be at least 1");
    expect(messages(graph((g) => ((nodeOf(g, "tickets").data as { items: string }).items = " ")))).toEqual(["nodes[2].data.items: write the expression that gives the list to go over"]);
  });

  it("lets only the body and the item's result read item, index and the steps inside", () => {
    const problems = messages(
      graph((g) => {
        const done = nodeOf(g, "done").data as { summary: string };
        done.summary = "string(item) + fmt.line";
        (nodeOf(g, "tickets").data as { result: string }).result = "fmt.line + string(index)";
        (nodeOf(g, "fmt").data as { values: { expression: string }[] }).values[0] = { ...(nodeOf(g, "fmt").data as { values: { expression: string }[] }).values[0], expression: "done.outcome" } as { expression: string };
      }),
    );
    expect(problems).toEqual([
      'nodes[3].data.values[0].expression: refers to "done", which does not run before "fmt": an expression can read only the trigger and steps upstream of it',
      'nodes[5].data.summary: refers to "item", which is not a step in this mission',
      'nodes[5].data.summary: refers to "fmt", which does not run before "done": an expression can read only the trigger and steps upstream of it',
    ]);
  });
});
