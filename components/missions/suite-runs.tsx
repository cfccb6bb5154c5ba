"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, FlaskConical, Loader2, Play, XCircle } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { MissionBreadcrumb } from "./mission-breadcrumb";

type SuiteStatus = "running" | "passed" | "failed";

function SuiteBadge({ status, testId }: { status: SuiteStatus; testId?: string }) {
  const style = { running: "bg-sky-50 text-sky-800 ring-sky-200", passed: "bg-emerald-50 text-emerald-800 ring-emerald-200", failed: "bg-red-50 text-red-800 ring-red-200" }[status];
  const Icon = status === "running" ? Loader2 : status === "passed" ? CheckCircle2 : XCircle;
  return (
    <span className={cn("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", style)} data-testid={testId} data-status={status}>
      <Icon className={cn("size-3.5", status === "running" && "animate-spin")} />
      {status === "running" ? "Running" : status === "passed" ? "Passed" : "Failed"}
    </span>
  );
}

const money = (n: number) => `$${n.toFixed(n < 0.01 && n > 0 ? 5 : 3)}`;
const seconds = (ms: number | null) => (ms === null ? "–" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * On the test cases page: run the suite in simulation against a version, the mission's publishing
 * gate, and the recent suite runs.
 */
export function SuitePanel({ missionId, canBuild, canLoosen }: { missionId: string; canBuild: boolean; canLoosen: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.missions.versions.queryOptions({ id: missionId }));
  const gate = useQuery(trpc.testCases.gate.queryOptions({ missionId }));
  const suites = useQuery({ ...trpc.testCases.suiteRuns.queryOptions({ missionId }), refetchInterval: (q) => (q.state.data?.some((s) => s.status === "running") ? 2_000 : false) });
  const [versionId, setVersionId] = useState("");
  const chosen = versionId || versions.data?.[0]?.id || "";
  const run = useMutation(
    trpc.testCases.runSuite.mutationOptions({
      onSuccess: ({ suiteRunId }) => router.push(`/missions/${missionId}/tests/suite/${suiteRunId}`),
      onError: (e) => toast.error(e.message),
    }),
  );
  const setGate = useMutation(
    trpc.testCases.setGate.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.testCases.gate.queryKey({ missionId }) }),
      onError: (e) => toast.error(e.message),
    }),
  );
  const gated = gate.data?.requirePassingSuite ?? false;
  return (
    <section className="space-y-3 rounded-lg border border-violet-200 bg-violet-50/40 p-4" data-testid="suite-panel">
      <div className="flex flex-wrap items-center gap-3">
        <FlaskConical className="size-4 text-violet-700" />
        <h2 className="text-sm font-semibold text-slate-900">Run the suite in simulation</h2>
        <p className="basis-full text-xs text-slate-600">
          Every case runs against the version you choose: read-only tools are called, state-changing tools are not (they answer with the case&apos;s recorded result), approvals are answered by the case.
        </p>
        {canBuild ? (
          <>
            <select
              aria-label="Version to test"
              className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm"
              value={chosen}
              onChange={(e) => setVersionId(e.target.value)}
              data-testid="suite-version"
            >
              {(versions.data ?? []).map((v) => (
                <option key={v.id} value={v.id}>
                  Version {v.number}
                  {v.published ? " (published)" : v.review?.status === "awaiting_review" ? " (awaiting review)" : ""}
                </option>
              ))}
            </select>
            <Button size="sm" onClick={() => run.mutate({ missionId, ...(chosen ? { versionId: chosen } : {}) })} disabled={run.isPending || !chosen} data-testid="run-suite">
              <Play /> Run suite
            </Button>
          </>
        ) : null}
        <label className="ml-auto inline-flex items-center gap-2 text-sm text-slate-700" title={gated && !canLoosen ? "Only an approver or admin may turn the gate off" : undefined}>
          <input
            type="checkbox"
            checked={gated}
            disabled={!canBuild || setGate.isPending || gate.isLoading || (gated && !canLoosen)}
            onChange={(e) => setGate.mutate({ missionId, requirePassingSuite: e.target.checked })}
            data-testid="suite-gate"
          />
          Publish only versions whose suite passed
        </label>
      </div>
      {suites.data?.length ? (
        <ul className="divide-y divide-violet-100 text-sm" data-testid="suite-runs">
          {suites.data.map((s) => (
            <li key={s.id} className="flex items-center gap-3 py-1.5">
              <SuiteBadge status={s.status} />
              <Link href={`/missions/${missionId}/tests/suite/${s.id}`} className="text-brand-700 hover:underline">
                Version {s.versionNumber}: {s.passed} passed, {s.failed} failed{s.running ? `, ${s.running} running` : ""}
              </Link>
              <span className="ml-auto text-xs text-slate-500">{new Date(s.createdAt).toLocaleString()}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/** A suite run's result: per case passed or failed, the failing expectation and why, tokens, cost, time, and its run. */
export function SuiteRunResult({ missionId, suiteRunId }: { missionId: string; suiteRunId: string }) {
  const trpc = useTRPC();
  const mission = useQuery(trpc.missions.get.queryOptions({ id: missionId }));
  const suite = useQuery({ ...trpc.testCases.suiteRun.queryOptions({ id: suiteRunId }), refetchInterval: (q) => (q.state.data?.status === "running" ? 1_500 : false) });
  const s = suite.data;
  return (
    <div className="mx-auto max-w-5xl space-y-4 px-6 py-6" data-testid="suite-result">
      <MissionBreadcrumb missionId={missionId} missionName={mission.data?.name} testCases />
      {suite.isError ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {suite.error.message}
        </p>
      ) : null}
      {s ? (
        <>
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-xl font-semibold tracking-tight text-slate-900">Suite run, version {s.versionNumber}</h1>
            <span className="inline-flex items-center gap-1 rounded-md bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800">
              <FlaskConical className="size-3.5" /> Simulated
            </span>
            <SuiteBadge status={s.status} testId="suite-status" />
            <span className="text-sm text-slate-600" data-testid="suite-counts">
              {s.passed} passed · {s.failed} failed{s.running ? ` · ${s.running} running` : ""}
            </span>
          </div>
          <p className="text-sm text-slate-500">No state-changing tool was called: each answered with its case&apos;s recorded result. Open a run to see what it would have sent.</p>
          <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-sm">
              <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="px-4 py-2">Case</th>
                  <th className="px-4 py-2">Result</th>
                  <th className="px-4 py-2 text-right">Tokens</th>
                  <th className="px-4 py-2 text-right">Cost</th>
                  <th className="px-4 py-2 text-right">Time</th>
                  <th className="px-4 py-2">Run</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {s.cases.map((c) => (
                  <tr key={c.testCaseId} className="align-top" data-testid="suite-case" data-status={c.status}>
                    <td className="px-4 py-3 font-medium text-slate-900" data-testid="suite-case-name">
                      {c.name}
                    </td>
                    <td className="px-4 py-3">
                      <SuiteBadge status={c.status} />
                      {c.failure ? (
                        <p className="mt-1 text-red-700" data-testid="suite-case-failure">
                          {c.failure}
                        </p>
                      ) : null}
                      {c.results.length ? (
                        <ul className="mt-1 space-y-0.5 text-xs" data-testid="suite-case-results">
                          {c.results.map((r, i) => (
                            <li key={i} className={r.passed ? "text-slate-600" : "text-red-700"} data-passed={r.passed}>
                              {r.passed ? "✓" : "✗"} {r.why}
                            </li>
                          ))}
                        </ul>
                      ) : null}
                    </td>
                    <td className="px-4 py-3 text-right tabular-nums">{(c.tokensIn + c.tokensOut).toLocaleString("en-US")}</td>
                    <td className="px-4 py-3 text-right tabular-nums">{money(c.cost)}</td>
                    <td className="px-4 py-3 text-right tabular-nums">{seconds(c.durationMs)}</td>
                    <td className="px-4 py-3">
                      {c.runId ? (
                        <Link href={`/runs/${c.runId}`} className="font-mono text-brand-700 hover:underline" data-testid="suite-case-run">
                          {c.runId.slice(0, 8)}
                        </Link>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : suite.isLoading ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : null}
    </div>
  );
}
