"use client";

import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { Recycle, RotateCcw } from "lucide-react";
import { reachableFrom } from "@/lib/mission/graph";
import type { MissionGraph, MissionNode } from "@/lib/mission/schema";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import type { NodeRunState } from "./run-state";

/** A finished run can be re-run from a node that ran in it (the server checks the same). */
export function canRerunFrom(node: MissionNode, state: NodeRunState | undefined): boolean {
  // A step inside a For each runs only as part of its items: the server refuses a re-run from it.
  return node.kind !== "trigger" && node.parentId === undefined && (state?.status === "succeeded" || state?.status === "failed");
}

/**
 * "Re-run from here": says what the new run will reuse and what it will execute again, then
 * starts it and opens it.
 */
export function RerunFromHere({ runId, graph, node, states }: { runId: string; graph: MissionGraph; node: MissionNode; states: Record<string, NodeRunState> }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const rerun = useMutation(
    trpc.runs.rerun.mutationOptions({
      onSuccess: ({ runId: next }) => router.push(`/runs/${next}`),
      onError: (e) => toast.error(e.message),
    }),
  );
  const label = (n: MissionNode) => n.data.label || n.id;
  const split = useMemo(() => {
    const fresh = reachableFrom(graph, [node.id]);
    const reused: MissionNode[] = [];
    const again: MissionNode[] = [];
    for (const n of graph.nodes) {
      if (n.kind === "trigger") continue;
      const status = states[n.id]?.status;
      if (!fresh.has(n.id) && (status === "succeeded" || status === "skipped")) reused.push(n);
      else again.push(n);
    }
    return { reused, again };
  }, [graph, node.id, states]);

  return (
    <>
      <Button variant="secondary" size="sm" className="w-full" onClick={() => setOpen(true)} data-testid="rerun-from-here">
        <RotateCcw /> Re-run from here
      </Button>
      <Dialog
        open={open}
        onOpenChange={(o) => !rerun.isPending && setOpen(o)}
        title={`Re-run from ${label(node)}`}
        description="A new run of the same version with the same input. Nodes before this one keep their results from this run; this node and everything after it run again."
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)} disabled={rerun.isPending}>
              Cancel
            </Button>
            <Button onClick={() => rerun.mutate({ runId, fromNodeId: node.id })} disabled={rerun.isPending} data-testid="rerun-from-confirm">
              <RotateCcw /> {rerun.isPending ? "Starting…" : "Re-run from here"}
            </Button>
          </>
        }
      >
        <div className="grid gap-4 text-sm sm:grid-cols-2" data-testid="rerun-plan">
          <section>
            <h3 className="mb-1.5 flex items-center gap-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">
              <Recycle className="size-3.5" aria-hidden /> Reused, not executed
            </h3>
            {split.reused.length ? (
              <ul className="space-y-1" data-testid="rerun-reused">
                {split.reused.map((n) => (
                  <li key={n.id} className="rounded-md border border-dashed border-slate-300 bg-slate-50 px-2 py-1 text-slate-700" data-node={n.id}>
                    {label(n)}
                    {states[n.id]?.status === "skipped" ? <span className="text-slate-500"> (skipped)</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-slate-500">Only the run input.</p>
            )}
          </section>
          <section>
            <h3 className="mb-1.5 flex items-center gap-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">
              <RotateCcw className="size-3.5" aria-hidden /> Runs again
            </h3>
            <ul className="space-y-1" data-testid="rerun-again">
              {split.again.map((n) => (
                <li key={n.id} className="rounded-md border border-brand-100 bg-brand-50 px-2 py-1 text-slate-800" data-node={n.id}>
                  {label(n)}
                </li>
              ))}
            </ul>
          </section>
        </div>
        <p className="mt-4 text-xs text-slate-600">
          Approvals and state-changing tool calls that run again ask for a decision again; nothing reused is repeated.
        </p>
        {rerun.error ? (
          <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {rerun.error.message}
          </p>
        ) : null}
      </Dialog>
    </>
  );
}
