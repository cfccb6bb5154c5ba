"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Trash2 } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { JsonView } from "@/components/run/json-view";
import { MissionBreadcrumb } from "./mission-breadcrumb";
import { SuitePanel } from "./suite-runs";

/** A mission's test cases: what each starts with and what it expects (docs/testing-missions.md). */
export function TestCaseList({ missionId, canBuild, canLoosen = false }: { missionId: string; canBuild: boolean; canLoosen?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mission = useQuery(trpc.missions.get.queryOptions({ id: missionId }));
  const cases = useQuery(trpc.testCases.list.queryOptions({ missionId }));
  const remove = useMutation(
    trpc.testCases.delete.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.testCases.list.queryKey({ missionId }) }),
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <div className="mx-auto max-w-4xl space-y-4 px-6 py-6" data-testid="test-cases">
      <MissionBreadcrumb missionId={missionId} missionName={mission.data?.name} />
      <div>
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">Test cases</h1>
        <p className="text-sm text-slate-500">What a run of this mission starts with, and what it must give. Save one from a finished run (“Save as test case” on its page).</p>
      </div>
      {cases.data?.length ? <SuitePanel missionId={missionId} canBuild={canBuild} canLoosen={canLoosen} /> : null}
      {cases.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {cases.isError ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {cases.error.message}
        </p>
      ) : null}
      {cases.data?.length === 0 ? <p className="text-sm text-slate-600">No test cases yet.</p> : null}
      {cases.data?.map((c) => (
        <section key={c.id} id={c.id} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="test-case">
          <div className="flex items-start justify-between gap-3">
            <div>
              <h2 className="text-sm font-semibold text-slate-900" data-testid="test-case-name">
                {c.name}
              </h2>
              {c.sourceRunId ? (
                <p className="text-xs text-slate-500">
                  Saved from run{" "}
                  <Link href={`/runs/${c.sourceRunId}`} className="font-mono text-brand-700 hover:underline">
                    {c.sourceRunId.slice(0, 8)}
                  </Link>
                </p>
              ) : null}
            </div>
            {canBuild ? (
              <Button variant="secondary" size="sm" onClick={() => remove.mutate({ id: c.id })} disabled={remove.isPending} aria-label={`Delete test case ${c.name}`}>
                <Trash2 /> Delete
              </Button>
            ) : null}
          </div>
          <div className="grid gap-4 md:grid-cols-2">
            <div className="space-y-1">
              <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Input</h3>
              <JsonView value={c.input} openDepth={1} />
            </div>
            <div className="space-y-1">
              <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Expects</h3>
              <ul className="space-y-1 text-sm text-slate-700" data-testid="test-case-expectations">
                <li>
                  Outcome: <strong>{c.expectations.outcome ?? "any"}</strong>
                </li>
                {c.expectations.checks.map((check) => (
                  <li key={check.expression}>
                    <code className="rounded bg-slate-100 px-1 font-mono text-xs">{check.expression}</code>
                  </li>
                ))}
              </ul>
            </div>
          </div>
          {Object.keys(c.toolResults).length || Object.keys(c.approvals).length ? (
            <div className="grid gap-4 md:grid-cols-2">
              <div className="space-y-1" data-testid="test-case-tool-results">
                <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Recorded tool results</h3>
                <JsonView value={c.toolResults} openDepth={1} />
              </div>
              <div className="space-y-1" data-testid="test-case-approvals">
                <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Approvals answered</h3>
                <JsonView value={c.approvals} openDepth={2} />
              </div>
            </div>
          ) : null}
        </section>
      ))}
    </div>
  );
}
