import { describe, expect, it } from "vitest";
import { getTemplate } from "@/lib/mission/templates";
import type { MissionGraph } from "@/lib/mission/schema";
import { childRunsOf, deriveRunState, formatDuration, mergeObservations, replayMarkers, waitsOnChildren, wakesAt, wakeUpsOf, withApprovalProgress } from "./run-state";
import { checkRunInput } from "./run-input";
import type { RunObservation } from "./types";

const graph = getTemplate("approval")!.graph() as MissionGraph;

let nextId = 1;
function obs(partial: Partial<RunObservation> & { at: string }): RunObservation {
  return { id: nextId++, runId: "r", nodeId: null, attempt: 0, kind: "status", text: "", data: null, tokensIn: 0, tokensOut: 0, ...partial };
}
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();

/** The Observations the engine writes for the "Simple approval" template, approved. */
function approvedRun(): RunObservation[] {
  nextId = 1;
  return [
    obs({ at: t(0), text: "Run queued", data: { status: "queued" } }),
    obs({ at: t(1), text: "Run started", data: { status: "running" } }),
    obs({ at: t(1), nodeId: "trigger", data: { status: "succeeded" } }),
    obs({ at: t(2), nodeId: "approval", kind: "decision", text: "Decision requested", data: { decisionId: "d1", event: "requested" } }),
    obs({ at: t(2), nodeId: "approval", data: { status: "waiting", decisionId: "d1" } }),
    obs({ at: t(5), nodeId: "approval", kind: "decision", text: "Approved", data: { decisionId: "d1", event: "approved" } }),
    obs({ at: t(6), nodeId: "approval", data: { status: "succeeded", decisionId: "d1", decision: "approved" } }),
    obs({ at: t(7), nodeId: "verdict", data: { status: "succeeded", outcome: "approved", summary: "Approved: x" } }),
    obs({ at: t(7), text: "Run succeeded: approved", data: { status: "succeeded", verdict: { outcome: "approved", summary: "Approved: x" } } }),
  ];
}

describe("withApprovalProgress", () => {
  /** A four-eyes approval: requested, one vote, then (later) the second. */
  function fourEyes(): RunObservation[] {
    nextId = 600;
    return [
      obs({ at: t(0), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "trigger", data: { status: "succeeded" } }),
      obs({ at: t(2), nodeId: "approval", kind: "decision", data: { decisionId: "d2", event: "requested" } }),
      obs({ at: t(2), nodeId: "approval", data: { status: "waiting", decisionId: "d2" } }),
      obs({ at: t(5), nodeId: "approval", kind: "decision", text: 'Approval 1 of 2 for "x"', data: { decisionId: "d2", event: "vote", userId: "u1", approve: true } }),
    ];
  }
  const decision = (approvals: number) => [{ id: "d2", nodeId: "approval", status: "pending", approvals, requiredApprovals: 2 }];

  it("puts the decision's approvals on the waiting node, live", () => {
    const s = deriveRunState(graph, fourEyes());
    expect(s.nodes.approval?.approvals).toBeNull();
    expect(withApprovalProgress(s, decision(0)).nodes.approval?.approvals).toEqual({ count: 0, required: 2 });
    expect(withApprovalProgress(s, decision(1)).nodes.approval?.approvals).toEqual({ count: 1, required: 2 });
    // One approval is all it needs: no progress to show, and the state is the same object.
    expect(withApprovalProgress(s, [{ ...decision(0)[0]!, requiredApprovals: 1 }])).toBe(s);
  });

  it("counts the approving votes recorded up to the moment a replay shows", () => {
    const rows = fourEyes();
    const before = rows.filter((o) => Date.parse(o.at) <= Date.parse(t(3)));
    expect(withApprovalProgress(deriveRunState(graph, before), decision(2), before).nodes.approval?.approvals).toEqual({ count: 0, required: 2 });
    expect(withApprovalProgress(deriveRunState(graph, rows), decision(2), rows).nodes.approval?.approvals).toEqual({ count: 1, required: 2 });
  });

  it("leaves nodes that do not wait alone", () => {
    const s = deriveRunState(graph, approvedRun());
    expect(withApprovalProgress(s, [{ id: "d1", nodeId: "approval", status: "approved", approvals: 2, requiredApprovals: 2 }])).toBe(s);
  });
});

describe("deriveRunState", () => {
  it("folds node and run states, verdict, times and the edges taken", () => {
    const s = deriveRunState(graph, approvedRun());
    expect(s.status).toBe("succeeded");
    expect(s.verdict).toEqual({ outcome: "approved", summary: "Approved: x" });
    expect(Object.fromEntries(Object.entries(s.nodes).map(([k, v]) => [k, v.status]))).toEqual({ trigger: "succeeded", approval: "succeeded", verdict: "succeeded" });
    expect(s.nodes.approval?.startedAt).toBe(t(2));
    expect(s.nodes.approval?.endedAt).toBe(t(6));
    expect(s.nodes.approval?.port).toBe("approved");
    expect(s.nodes.approval?.decisionId).toBe("d1");
    expect(s.edges).toEqual({ "e-trigger-approval": "taken", "e-approval-approved-verdict": "taken", "e-approval-rejected-verdict": "pruned" });
    expect(s.startedAt).toBe(t(1));
    expect(s.endedAt).toBe(t(7));
  });

  it("marks nodes a re-run reused, with the port they took, and leaves fresh ones unmarked", () => {
    nextId = 50;
    const s = deriveRunState(graph, [
      obs({ at: t(0), text: "Run queued", data: { status: "queued", rerunOf: "src", fromNodeId: "verdict" } }),
      obs({ at: t(1), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "trigger", data: { status: "succeeded" } }),
      obs({ at: t(1), nodeId: "approval", text: "approval reused from run src", data: { status: "succeeded", decision: "approved", reusedFrom: "src" } }),
      obs({ at: t(2), nodeId: "verdict", data: { status: "succeeded" } }),
    ]);
    expect(s.nodes.approval).toMatchObject({ status: "succeeded", reusedFrom: "src", port: "approved" });
    expect(s.nodes.verdict?.reusedFrom).toBeNull();
    expect(s.nodes.trigger?.reusedFrom).toBeNull();
    expect(s.edges["e-approval-approved-verdict"]).toBe("taken");
    expect(s.edges["e-approval-rejected-verdict"]).toBe("pruned");
  });

  it("counts the attempts of a node whose step failed and was tried again", () => {
    nextId = 300;
    const s = deriveRunState(graph, [
      obs({ at: t(0), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "approval", data: { status: "running" } }),
      obs({ at: t(2), nodeId: "approval", kind: "error", attempt: 0, text: "Attempt 1 of 4 failed, trying again: refused", data: { retriable: true } }),
      obs({ at: t(3), nodeId: "approval", kind: "error", attempt: 1, text: "Attempt 2 of 4 failed, trying again: refused", data: { retriable: true } }),
    ]);
    // Two attempts failed and will be retried: it is on its third.
    expect(s.nodes.approval).toMatchObject({ status: "running", errors: 2, attempt: 2 });
    const ended = deriveRunState(graph, [
      obs({ at: t(2), nodeId: "approval", kind: "error", attempt: 3, text: "Attempt 4 of 4 failed: refused", data: { retriable: false } }),
      obs({ at: t(2), nodeId: "approval", attempt: 3, data: { status: "failed", error: "refused" } }),
      obs({ at: t(3), text: "Run failed: approval: refused", data: { status: "failed", reason: "approval: refused" } }),
    ]);
    expect(ended.nodes.approval).toMatchObject({ status: "failed", attempt: 3, error: "refused" });
    // Never reached: shown as such, not as pending.
    expect(ended.nodes.verdict).toMatchObject({ status: "pending", notReached: true });
    expect(ended.nodes.trigger?.notReached).toBe(true);
    expect(deriveRunState(graph, approvedRun(), t(2)).nodes.verdict?.notReached).toBe(false);
  });

  it("follows an action's rejected port when its decision was rejected, and its other port otherwise", () => {
    const g = {
      ...graph,
      nodes: [
        ...graph.nodes,
        { id: "send", kind: "action" as const, position: { x: 0, y: 0 }, data: { label: "", tool: "mail.send", args: {} } },
        { id: "held", kind: "verdict" as const, position: { x: 0, y: 0 }, data: {} as never },
      ],
      edges: [...graph.edges, { id: "s-ok", source: "send", target: "verdict" }, { id: "s-no", source: "send", sourceHandle: "rejected", target: "held" }],
    } as MissionGraph;
    nextId = 400;
    const rejected = deriveRunState(g, [obs({ at: t(1), nodeId: "send", data: { status: "succeeded", decision: "rejected", port: "rejected" } })]);
    expect(rejected.nodes.send?.port).toBe("rejected");
    expect([rejected.edges["s-ok"], rejected.edges["s-no"]]).toEqual(["pruned", "taken"]);
    const called = deriveRunState(g, [obs({ at: t(1), nodeId: "send", data: { status: "succeeded", tool: "mail.send" } })]);
    expect([called.edges["s-ok"], called.edges["s-no"]]).toEqual(["taken", "pruned"]);
  });

  it("shows exactly the moment asked for when replaying", () => {
    const s = deriveRunState(graph, approvedRun(), t(2));
    expect(s.status).toBe("waiting");
    expect(s.nodes.approval?.status).toBe("waiting");
    expect(s.nodes.verdict?.status).toBe("pending");
    expect(s.verdict).toBeNull();
    expect(s.edges["e-trigger-approval"]).toBe("active");
    expect(s.edges["e-approval-approved-verdict"]).toBe("idle");
    expect(s.lastId).toBe(5);
  });

  it("sums tokens per node, keeps the latest model step's reasoning, counts errors", () => {
    nextId = 100;
    const worker = { ...graph, nodes: [...graph.nodes, { id: "w", kind: "worker" as const, position: { x: 0, y: 0 }, data: {} as never }] } as MissionGraph;
    const rows = [
      obs({ at: t(1), nodeId: "w", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "w", kind: "reasoning", text: "Look at ", data: { step: 0 } }),
      obs({ at: t(1), nodeId: "w", kind: "reasoning", text: "the order.", data: { step: 0 } }),
      obs({ at: t(2), nodeId: "w", kind: "usage", tokensIn: 120, tokensOut: 30 }),
      obs({ at: t(2), nodeId: "w", kind: "reasoning", text: "Now the policy.", data: { step: 1 } }),
      obs({ at: t(3), nodeId: "w", kind: "usage", tokensIn: 80, tokensOut: 20 }),
      obs({ at: t(3), nodeId: "w", kind: "error", text: "model timed out", attempt: 0 }),
      obs({ at: t(4), nodeId: "w", kind: "error", text: "model timed out", attempt: 1 }),
    ];
    const s = deriveRunState(worker, rows);
    expect(s.nodes.w?.reasoning).toBe("Now the policy.");
    expect(s.nodes.w?.tokensIn).toBe(200);
    expect(s.nodes.w?.tokensOut).toBe(50);
    expect(s.tokensIn + s.tokensOut).toBe(250);
    expect(s.nodes.w?.errors).toBe(2);
    expect(s.status).toBe("running");
  });

  it("counts a For each's items as they end, then takes its final counts", () => {
    nextId = 1;
    const loop = { id: "lines", kind: "forEach", position: { x: 0, y: 0 }, data: { label: "For each", items: "[1, 2, 3]", concurrency: 2, onFailure: "collect", maxItems: 10, result: "" } } as const;
    const withLoop: MissionGraph = { ...graph, nodes: [...graph.nodes, loop] };
    const item = (s: number, index: number, status: string) =>
      obs({ at: t(s), nodeId: "lines", kind: "text", text: `lines[${index}] ${status}`, data: { forEach: { index, status } } });
    const running = [obs({ at: t(1), nodeId: "lines", data: { status: "running", total: 3 } }), item(2, 1, "succeeded"), item(2, 0, "failed")];
    const midway = deriveRunState(withLoop, running).nodes.lines;
    expect(midway?.iterations).toEqual({ total: 3, succeeded: 1, failed: 1 });
    // Item lines are not a Worker's text.
    expect(midway?.reasoning).toBe("");
    const ended = deriveRunState(withLoop, [...running, item(3, 2, "succeeded"), obs({ at: t(3), nodeId: "lines", data: { status: "succeeded", iterations: { total: 3, succeeded: 2, failed: 1 } } })]);
    expect(ended.nodes.lines?.iterations).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(ended.nodes.lines?.status).toBe("succeeded");
  });

  it("marks skipped branches pruned and a failed run's reason", () => {
    nextId = 200;
    const rows = [
      obs({ at: t(1), data: { status: "running" } }),
      obs({ at: t(1), nodeId: "trigger", data: { status: "succeeded" } }),
      obs({ at: t(2), nodeId: "approval", data: { status: "failed", error: "boom" } }),
      obs({ at: t(2), nodeId: "verdict", data: { status: "skipped" } }),
      obs({ at: t(2), text: "Run failed: approval: boom", data: { status: "failed", reason: "approval: boom" } }),
    ];
    const s = deriveRunState(graph, rows);
    expect(s.status).toBe("failed");
    expect(s.reason).toBe("approval: boom");
    expect(s.nodes.approval?.error).toBe("boom");
    expect(s.edges["e-approval-approved-verdict"]).toBe("pruned");
  });
});

describe("mergeObservations", () => {
  it("keeps rows sorted by id and each id once, also for late and repeated rows", () => {
    const known = new Set<number>();
    const row = (id: number) => ({ ...obs({ at: t(0) }), id });
    let list = mergeObservations([], [row(1), row(2), row(5)], known);
    list = mergeObservations(list, [row(5), row(3), row(6), row(3)], known);
    expect(list.map((o) => o.id)).toEqual([1, 2, 3, 5, 6]);
    const same = mergeObservations(list, [row(2)], known);
    expect(same).toBe(list);
  });
});

describe("replayMarkers", () => {
  it("lists every state change and decision to jump to", () => {
    const markers = replayMarkers(approvedRun());
    expect(markers.map((m) => m.tone)).toEqual(["queued", "running", "succeeded", "decision", "waiting", "decision", "succeeded", "succeeded", "succeeded"]);
    expect(markers.find((m) => m.tone === "waiting")?.nodeId).toBe("approval");
  });
});

describe("formatDuration", () => {
  it("reads naturally at every scale", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(420)).toBe("420 ms");
    expect(formatDuration(4_200)).toBe("4.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(3_725_000)).toBe("1 h 2 min");
  });
});

describe("checkRunInput", () => {
  const fields = [
    { name: "title", label: "Title", type: "string" as const, required: true, description: "", maxLength: 5 },
    { name: "amount", label: "Amount", type: "number" as const, required: false, description: "" },
    { name: "email", label: "Email", type: "email" as const, required: true, description: "" },
    { name: "urgent", label: "Urgent", type: "boolean" as const, required: false, description: "" },
  ];
  it("names each field that breaks a rule", () => {
    expect(checkRunInput(fields, { title: "too long", amount: "x", email: "nope" }).errors).toEqual({
      title: "must be at most 5 characters",
      amount: "must be a number",
      email: "must be an email address",
    });
    expect(checkRunInput(fields, {}).errors).toEqual({ title: "is required", email: "is required" });
  });
  it("returns typed values", () => {
    expect(checkRunInput(fields, { title: "ok", amount: "12.5", email: " a@b.co ", urgent: true })).toEqual({
      input: { title: "ok", amount: 12.5, email: "a@b.co", urgent: true },
      errors: {},
    });
  });
});

describe("a step waiting for a time", () => {
  it("shows when it wakes up while it waits, and forgets it once it went on", () => {
    nextId = 900;
    const waiting = [
      obs({ at: t(0), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "approval", data: { status: "waiting", until: "2026-01-01T13:00:00.000Z" } }),
    ];
    expect(deriveRunState(graph, waiting).nodes.approval?.until).toBe("2026-01-01T13:00:00.000Z");
    expect(wakesAt(deriveRunState(graph, waiting))).toBe("2026-01-01T13:00:00.000Z");
    const woke = [...waiting, obs({ at: t(9), nodeId: "approval", data: { status: "succeeded", decision: "approved" } })];
    expect(wakesAt(deriveRunState(graph, woke))).toBeNull();
    expect(deriveRunState(graph, woke).nodes.approval).toMatchObject({ until: null, status: "succeeded", port: "approved" });
  });
});

describe("what a waiting run waits for", () => {
  it("is a time only when every waiting step waits for one: a decision waited on says nothing of a time", () => {
    nextId = 950;
    const both = [
      obs({ at: t(0), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "approval", data: { status: "waiting", decisionId: "d9" } }),
      obs({ at: t(1), nodeId: "trigger", data: { status: "waiting", until: "2026-01-01T13:00:00.000Z" } }),
    ];
    expect(wakesAt(deriveRunState(graph, both))).toBeNull();
    expect(wakesAt(deriveRunState(graph, both.slice(0, 1)))).toBeNull();
  });
});

describe("a step waiting for a child run", () => {
  it("keeps the child's id, and the run waits on children only when every waiting step does", () => {
    nextId = 980;
    const calling = [
      obs({ at: t(0), text: "Run started", data: { status: "running" } }),
      obs({ at: t(1), nodeId: "approval", data: { status: "waiting", childRunId: "c-1" } }),
    ];
    expect(deriveRunState(graph, calling).nodes.approval?.childRunId).toBe("c-1");
    expect(waitsOnChildren(deriveRunState(graph, calling))).toBe(true);
    const alsoDecision = [...calling, obs({ at: t(2), nodeId: "trigger", data: { status: "waiting", decisionId: "d1" } })];
    expect(waitsOnChildren(deriveRunState(graph, alsoDecision))).toBe(false);
    const done = [...calling, obs({ at: t(3), nodeId: "approval", data: { status: "succeeded", childRunId: "c-1", outcome: "ok" } })];
    expect(deriveRunState(graph, done).nodes.approval).toMatchObject({ status: "succeeded", childRunId: "c-1" });
    expect(waitsOnChildren(deriveRunState(graph, done))).toBe(false);
  });
});

describe("childRunsOf", () => {
  it("lists a Call's child runs once each: one at the top level, one per item inside a For each", () => {
    const list = [
      obs({ at: t(1), nodeId: "call", data: { status: "waiting", childRunId: "c-top" } }),
      obs({ at: t(2), nodeId: "call", data: { status: "succeeded", childRunId: "c-top", outcome: "ok" } }),
      obs({ at: t(3), nodeId: "escalate", kind: "text", data: { childStatus: "waiting", childRunId: "c-1", step: "tickets[1].escalate" } }),
      obs({ at: t(4), nodeId: "escalate", kind: "text", data: { childStatus: "waiting", childRunId: "c-3", step: "tickets[3].escalate" } }),
      obs({ at: t(5), nodeId: "escalate", kind: "text", data: { childStatus: "succeeded", childRunId: "c-1", step: "tickets[1].escalate" } }),
      obs({ at: t(5), nodeId: "escalate", data: { status: "succeeded", iterations: { succeeded: 2, failed: 0, skipped: 2 } } }),
    ];
    expect(childRunsOf(list, "call")).toEqual([{ runId: "c-top", step: "call" }]);
    expect(childRunsOf(list, "escalate")).toEqual([
      { runId: "c-1", step: "tickets[1].escalate" },
      { runId: "c-3", step: "tickets[3].escalate" },
    ]);
    expect(childRunsOf(list, "other")).toEqual([]);
  });
});

describe("wakeUpsOf", () => {
  it("lists a Wait's wake-up time per item inside a For each, and which have woken", () => {
    const list = [
      obs({ at: t(1), nodeId: "pause", kind: "text", data: { step: "each[0].pause", until: "2026-12-07T08:00:00.000Z", waitStatus: "waiting" } }),
      obs({ at: t(2), nodeId: "pause", kind: "text", data: { step: "each[1].pause", until: "2026-12-07T09:00:00.000Z", waitStatus: "waiting" } }),
      obs({ at: t(3), nodeId: "pause", kind: "text", data: { step: "each[0].pause", until: "2026-12-07T08:00:00.000Z", waitStatus: "succeeded" } }),
      obs({ at: t(4), nodeId: "other", kind: "text", data: { step: "each[0].other", until: "2026-12-07T08:00:00.000Z", waitStatus: "waiting" } }),
      obs({ at: t(5), nodeId: "pause", data: { status: "succeeded", iterations: { succeeded: 2, failed: 0, skipped: 0 } } }),
    ];
    expect(wakeUpsOf(list, "pause")).toEqual([
      { step: "each[0].pause", until: "2026-12-07T08:00:00.000Z", woke: true },
      { step: "each[1].pause", until: "2026-12-07T09:00:00.000Z", woke: false },
    ]);
    expect(wakeUpsOf(list, "none")).toEqual([]);
  });
});
