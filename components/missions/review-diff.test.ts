import { describe, expect, it } from "vitest";
import { diffMissions } from "@/lib/mission/diff";
import type { MissionGraph, MissionNode } from "@/lib/mission/schema";
import { refundMission } from "@/lib/mission/templates/refund";
import { diffRows } from "./review-diff";

describe("diffRows", () => {
  it("lists changed fields with before and after, added and removed steps and connections, and moves last", () => {
    const before = refundMission();
    const nodes = before.nodes
      .filter((n) => n.id !== "crm_note")
      .map((n): MissionNode => {
        if (n.kind === "approval") return { ...n, data: { ...n.data, approverRole: "builder" } };
        if (n.id === "ground") return { ...n, position: { x: 1, y: 2 } };
        return n;
      });
    const after: MissionGraph = { ...before, nodes, edges: [...before.edges.filter((e) => e.source !== "crm_note" && e.target !== "crm_note"), { id: "new", source: "issue_refund", target: "verdict" }] };
    const rows = diffRows(diffMissions(before, after), before, after);
    expect(rows).toContainEqual({ kind: "changed", subject: 'Approval "Approve refund"', fields: [{ name: "approverRole", before: "approver", after: "builder" }] });
    expect(rows).toContainEqual({ kind: "removed", subject: 'Action "Note it in the CRM"', fields: [] });
    expect(rows).toContainEqual({ kind: "added", subject: "Connection issue_refund → verdict", fields: [] });
    expect(rows).toContainEqual({ kind: "removed", subject: "Connection crm_note → verdict", fields: [] });
    expect(rows.at(-1)).toEqual({ kind: "moved", subject: 'Worker "Ground the request"', fields: [] });
  });
});
