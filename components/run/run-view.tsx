"use client";

import "@xyflow/react/dist/style.css";
import "./run-view.css";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { toast } from "sonner";
import { History, Loader2 } from "lucide-react";
import type { RunObservation } from "./types";
import { useTRPC } from "@/components/trpc-provider";
import { EmptyState } from "@/components/ui/card";
import { RunDecisionColumn } from "@/components/decisions/run-decision-column";
import { ExplainRail } from "./explain-rail";
import { NodePanel } from "./node-panel";
import { OutcomeLabelsProvider } from "./outcome-labels";
import { ReplayScrubber } from "./replay-scrubber";
import { canRerunFrom, RerunFromHere } from "./rerun-from-here";
import { RunCanvas } from "./run-canvas";
import { RunHeader } from "./run-header";
import { deriveRunState, replayMarkers, stateFromRun, waitsOnChildren, wakesAt, withApprovalProgress } from "./run-state";
import type { RunPageData } from "./types";
import { useObservationStream } from "./use-observation-stream";

const ENDED = ["succeeded", "failed", "cancelled"];
/** The node panel's distance from the canvas's right edge (right-3). */
const PANEL_INSET = 12;

interface RunViewProps {
  runId: string;
  canBuild: boolean;
  initial?: RunPageData;
}

/** The run page, with the outcome labels of its pinned version for the verdict badges in it. */
export function RunView(props: RunViewProps) {
  // The body's query too (one request): the pinned graph is in it.
  const page = useRunPage(props.runId, props.initial);
  return (
    <OutcomeLabelsProvider graph={page.data?.graph ?? NO_GRAPH}>
      <RunViewBody {...props} />
    </OutcomeLabelsProvider>
  );
}

const NO_GRAPH = { nodes: [] };

function useRunPage(runId: string, initial: RunPageData | undefined) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.runs.get.queryOptions({ runId }), ...(initial ? { initialData: initial } : {}) });
}

/**
 * The run page: the pinned graph with each node's live state, the Explain rail, and for a finished
 * run a scrubber that replays it. Everything on screen is derived from the Observation stream;
 * the run query adds what Observations do not carry (names, version, decisions, input).
 */
function RunViewBody({ runId, canBuild, initial }: RunViewProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const page = useRunPage(runId, initial);
  const stream = useObservationStream(runId);
  const [scrubAt, setScrubAt] = useState<number | null>(null);
  const [selectedNode, setSelectedNode] = useState<string | null>(null);
  const [selectedObs, setSelectedObs] = useState<number | null>(null);
  // The selected step's panel lies over the canvas's right side: the canvas keeps the step clear of it.
  const [panelWidth, setPanelWidth] = useState(0);
  const panelRef = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    const observer = new ResizeObserver(() => setPanelWidth(el.offsetWidth));
    observer.observe(el);
    return () => {
      observer.disconnect();
      setPanelWidth(0);
    };
  }, []);

  const graph = page.data?.graph ?? null;
  const observations = stream.observations;
  const run0 = page.data?.run;
  // Until the Observations are in, the run row's own node states are shown.
  const full = useMemo(
    () => (graph ? (stream.loaded || !run0 ? deriveRunState(graph, observations) : stateFromRun(graph, run0)) : null),
    [graph, observations, stream.loaded, run0],
  );
  const ended = !!full && ENDED.includes(full.status);
  const replayAt = ended ? scrubAt : null;
  const railRows = useMemo(() => (replayAt === null ? observations : observations.filter((o) => Date.parse(o.at) <= replayAt)), [observations, replayAt]);
  const decisions = page.data?.decisions;
  const shown = useMemo(() => {
    const at = graph && full && replayAt !== null ? deriveRunState(graph, observations, new Date(replayAt).toISOString()) : full;
    // A waiting card reads "1 of 2 approvals" from its decision's votes.
    return at && decisions ? withApprovalProgress(at, decisions, replayAt !== null ? railRows : null) : at;
  }, [graph, full, observations, replayAt, railRows, decisions]);
  const markers = useMemo(() => (ended ? replayMarkers(observations) : []), [ended, observations]);

  // The run row changes with the run's own status and each decision: refresh what it adds.
  const refetch = page.refetch;
  const runStatus = full?.status;
  const decisionCount = useMemo(() => observations.filter((o) => o.kind === "decision").length, [observations]);
  useEffect(() => {
    if (runStatus) void refetch();
  }, [runStatus, decisionCount, refetch]);

  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSuccess: () => toast.success("Run cancelled"),
      onError: (e) => toast.error(e.message),
    }),
  );
  const rerun = useMutation(
    trpc.runs.rerun.mutationOptions({
      onSuccess: ({ runId: next }) => router.push(`/runs/${next}`),
      onError: (e) => toast.error(e.message),
    }),
  );

  const selectObservation = useCallback((o: RunObservation | null) => {
    setSelectedObs(o?.id ?? null);
    if (o?.nodeId) setSelectedNode(o.nodeId);
  }, []);
  const selectNode = useCallback(
    (nodeId: string | null) => {
      setSelectedNode(nodeId);
      if (!nodeId) return;
      // The node's latest Observation at the moment shown becomes the rail's selection.
      for (let i = railRows.length - 1; i >= 0; i--) {
        const o = railRows[i] as RunObservation;
        if (o.nodeId === nodeId) {
          setSelectedObs(o.id);
          return;
        }
      }
      setSelectedObs(null);
    },
    [railRows],
  );

  if (page.isError) {
    const notFound = /NOT_FOUND|No run/.test(page.error.message);
    return (
      <div className="mx-auto max-w-3xl px-6 py-16">
        <EmptyState icon={<History />} title={notFound ? "Run not found" : "Could not load this run"}>
          {notFound ? "It may have been deleted with its mission, or the link is wrong." : page.error.message}
        </EmptyState>
      </div>
    );
  }
  if (!page.data || !graph || !full || !shown) {
    return (
      <div className="flex h-[calc(100vh-3.5rem)] items-center justify-center text-sm text-slate-500">
        <Loader2 className="mr-2 size-4 animate-spin" /> Loading run…
      </div>
    );
  }

  const run = page.data.run;
  const selectedMissionNode = selectedNode ? graph.nodes.find((n) => n.id === selectedNode) : undefined;
  const selectedState = selectedNode ? shown.nodes[selectedNode] : undefined;
  const haveStream = stream.loaded && full.lastId !== null;
  const start = Date.parse(full.startedAt ?? run.startedAt ?? run.createdAt);
  const end = Date.parse(full.endedAt ?? run.endedAt ?? observations.at(-1)?.at ?? run.createdAt);
  const firstAt = observations[0] ? Math.min(start, Date.parse(observations[0].at)) : start;
  // A waiting node, selected live, opens its decision beside the graph.
  const deciding =
    replayAt === null && selectedNode && selectedState?.status === "waiting"
      ? (selectedState.decisionId ?? page.data.decisions.find((d) => d.nodeId === selectedNode && d.status === "pending")?.id ?? null)
      : null;

  return (
    <div className="flex h-[calc(100vh-3.5rem)] min-h-[560px] flex-col" data-testid="run-view" data-run={run.id} data-replaying={replayAt !== null ? "true" : "false"}>
      <RunHeader
        data={page.data}
        figures={{
          status: haveStream ? shown.status : run.status,
          verdict: shown.verdict ?? (replayAt === null ? run.verdict : null),
          reason: shown.reason,
          tokens: replayAt === null ? Math.max(shown.tokensIn + shown.tokensOut, run.tokensIn + run.tokensOut) : shown.tokensIn + shown.tokensOut,
          cost: replayAt === null ? Math.max(shown.cost, run.cost) : shown.cost,
          startedAt: full.startedAt,
          endedAt: replayAt === null ? full.endedAt : new Date(replayAt).toISOString(),
          wakesAt: wakesAt(shown),
          waitsOnChildren: waitsOnChildren(shown),
        }}
        connection={stream.connection}
        replaying={replayAt !== null}
        canBuild={canBuild}
        cancelling={cancel.isPending}
        rerunning={rerun.isPending}
        onCancel={() => cancel.mutate({ runId })}
        onRerun={() => rerun.mutate({ runId })}
      />
      <div className="flex min-h-0 flex-1">
        <div className="relative flex min-w-0 flex-1 flex-col bg-slate-50">
          <div className="relative min-h-0 flex-1">
            <RunCanvas
              graph={graph}
              state={shown}
              live={replayAt === null && !ended}
              at={replayAt ?? (ended ? end : null)}
              selectedNode={selectedNode}
              onSelectNode={selectNode}
              coveredRight={panelWidth ? panelWidth + PANEL_INSET : 0}
            />
            {replayAt !== null ? (
              <div className="pointer-events-none absolute left-1/2 top-3 -translate-x-1/2 rounded-full bg-slate-900/85 px-3 py-1 text-xs font-medium text-white shadow" data-testid="replay-banner">
                Replaying · {new Date(replayAt).toLocaleTimeString(undefined, { hour12: false })}
              </div>
            ) : null}
            {selectedMissionNode && selectedState ? (
              <div ref={panelRef} className="absolute right-3 top-3 z-10">
                <NodePanel
                  node={selectedMissionNode}
                  state={selectedState}
                  decisions={page.data.decisions}
                  observations={railRows}
                  at={replayAt ?? (ended ? end : null)}
                  onClose={() => setSelectedNode(null)}
                  onShowObservation={selectObservation}
                  footer={
                    canBuild && ended && canRerunFrom(selectedMissionNode, full.nodes[selectedMissionNode.id]) ? (
                      <RerunFromHere runId={runId} graph={graph} node={selectedMissionNode} states={full.nodes} />
                    ) : null
                  }
                />
              </div>
            ) : null}
          </div>
          {ended ? <ReplayScrubber start={firstAt} end={Math.max(end, firstAt + 1)} value={replayAt} onChange={setScrubAt} markers={markers} /> : null}
        </div>
        <div className="w-[420px] shrink-0 border-l border-slate-200 xl:w-[460px]">
          <RunDecisionColumn decisionId={deciding} nodeLabel={selectedMissionNode?.data.label || selectedNode || ""}>
            <ExplainRail
              graph={graph}
              observations={railRows}
              total={railRows.length}
              startedAt={new Date(firstAt).toISOString()}
              live={replayAt === null}
              loading={!stream.loaded}
              selectedNode={selectedNode}
              selectedId={selectedObs}
              onSelect={selectObservation}
            />
          </RunDecisionColumn>
        </div>
      </div>
    </div>
  );
}
