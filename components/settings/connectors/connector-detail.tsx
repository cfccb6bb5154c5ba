"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, ChevronRight, CircleCheck, CircleX, Globe, Lock, Pencil, PlugZap, RefreshCw, Terminal, Trash2 } from "lucide-react";
import { toast } from "sonner";
import type { TestConnectionResult } from "@/server/connectors/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmDialog } from "./confirm-dialog";
import { ConnectorDialog } from "./connector-dialog";
import { TRANSPORT_LABELS } from "./connector-form-state";
import { EnabledSwitch } from "./enabled-switch";
import { PolicyBadge } from "./tool-badges";
import { ToolSummary } from "./tool-parts";
import { ToolReviewPanel } from "./tool-review";
import { ToolsTable } from "./tools-table";

function ConfigRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_minmax(0,1fr)] gap-3 py-2 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-900">{children}</dd>
    </div>
  );
}

function MaskedList({ entries }: { entries: { name: string; value: string }[] }) {
  if (!entries.length) return <span className="text-slate-400">none</span>;
  return (
    <ul className="flex flex-wrap gap-1.5">
      {entries.map((e) => (
        <li key={e.name} className="inline-flex items-center gap-1.5 rounded-md border border-slate-200 bg-slate-50 px-2 py-0.5 font-mono text-xs" data-testid="stored-secret">
          <span className="text-slate-800">{e.name}</span>
          <Lock className="size-3 text-slate-400" aria-hidden />
          <span className="text-slate-500">{e.value}</span>
        </li>
      ))}
    </ul>
  );
}

function TestResult({ result, onDismiss }: { result: TestConnectionResult; onDismiss: () => void }) {
  if (!result.ok) {
    return (
      <Card className="border-red-200 bg-red-50/60 px-5 py-4" data-testid="test-result" data-ok="false">
        <div className="flex items-center gap-2 text-sm font-semibold text-red-800">
          <CircleX className="size-4" /> Could not connect
          <div className="flex-1" />
          <Button variant="ghost" size="sm" onClick={onDismiss}>
            Dismiss
          </Button>
        </div>
        <pre className="mt-2 max-h-64 overflow-auto whitespace-pre-wrap font-mono text-xs text-red-900">{result.error}</pre>
      </Card>
    );
  }
  const n = result.tools.length;
  return (
    <Card className="border-emerald-200" data-testid="test-result" data-ok="true">
      <div className="flex flex-wrap items-center gap-2 bg-emerald-50/60 px-5 py-3">
        <CircleCheck className="size-4 text-emerald-600" />
        <span className="text-sm font-semibold text-slate-900">Connected to</span>
        <span className="font-mono text-sm text-slate-800" data-testid="test-server">
          {result.serverName ?? "an unnamed server"}
          {result.serverVersion ? ` ${result.serverVersion}` : ""}
        </span>
        <span className="text-sm text-slate-400">·</span>
        <span className="text-sm text-slate-600" data-testid="test-tool-count">
          {n} tool{n === 1 ? "" : "s"}
        </span>
        <div className="flex-1" />
        <Button variant="ghost" size="sm" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
      {n ? (
        <details className="group border-t border-emerald-100" data-testid="tested-tools">
          <summary className="flex cursor-pointer list-none items-center gap-1.5 px-5 py-2 text-sm font-medium text-slate-700 hover:text-slate-900">
            <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden />
            Show the {n} tool{n === 1 ? "" : "s"} as the server lists {n === 1 ? "it" : "them"}
          </summary>
          <ul className="max-h-[36rem] divide-y divide-slate-100 overflow-auto border-t border-slate-100">
            {result.tools.map((t) => (
              <ToolSummary key={t.name} name={t.name} description={t.description} annotations={t.annotations} inputSchema={t.inputSchema} />
            ))}
          </ul>
        </details>
      ) : null}
    </Card>
  );
}

export function ConnectorDetail({ id, autoTest }: { id: string; autoTest: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const page = useQuery(trpc.connectors.get.queryOptions({ id }));
  const [result, setResult] = useState<TestConnectionResult | null>(null);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const invalidate = () => {
    void qc.invalidateQueries({ queryKey: trpc.connectors.get.queryKey({ id }) });
    void qc.invalidateQueries({ queryKey: trpc.connectors.list.queryKey() });
  };

  const announce = (r: { added: string[]; changed: string[]; removed: string[] }) => {
    const news = r.added.length + r.changed.length;
    if (news) toast.info(`${news} tool${news === 1 ? "" : "s"} to review`);
    else if (r.removed.length) toast.info(`${r.removed.length} tool${r.removed.length === 1 ? "" : "s"} no longer offered by the server`);
    invalidate();
  };
  const refresh = useMutation(trpc.connectors.refresh.mutationOptions({ onSuccess: announce, onError: (e) => toast.error(e.message) }));
  // A good test records the tools for review on the server (as the REST test does).
  const test = useMutation(
    trpc.connectors.test.mutationOptions({
      onSuccess: (r) => {
        setResult(r);
        if (r.recorded) announce(r.recorded);
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const approve = useMutation(
    trpc.connectors.approve.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Approved ${r.approved.length} tool${r.approved.length === 1 ? "" : "s"}`);
        qc.setQueryData(trpc.connectors.get.queryKey({ id }), r.connector);
        invalidate();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const toggle = useMutation(
    trpc.connectors.setEnabled.mutationOptions({
      onSuccess: (c) => {
        toast.success(`${c.name} ${c.enabled ? "enabled" : "disabled"}`);
        invalidate();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const remove = useMutation(
    trpc.connectors.delete.mutationOptions({
      onSuccess: () => {
        toast.success(`Deleted ${page.data?.name ?? "the connector"}`);
        void qc.invalidateQueries({ queryKey: trpc.connectors.list.queryKey() });
        router.push("/settings/connectors");
      },
    }),
  );

  // Arriving from "Add connector": test straight away, once.
  const autoTested = useRef(false);
  useEffect(() => {
    if (!autoTest || autoTested.current) return;
    autoTested.current = true;
    test.mutate({ id });
    router.replace(`/settings/connectors/${id}`);
  }, [autoTest, id, router, test]);

  if (page.error) {
    return (
      <EmptyState title="Connector not found" action={<Link href="/settings/connectors" className="text-sm font-medium text-brand-700 hover:underline">Back to connectors</Link>}>
        {page.error.message}
      </EmptyState>
    );
  }
  const c = page.data;
  if (!c) return <Card className="p-6 text-sm text-slate-500">Loading…</Card>;
  const Icon = c.transport === "stdio" ? Terminal : Globe;
  const testing = test.isPending || refresh.isPending;
  const live = c.tools.filter((t) => t.status !== "removed");
  const counts = { autonomous: 0, gated: 0, disallowed: 0 };
  for (const t of live) counts[t.policy]++;

  return (
    <div className="space-y-5">
      <Link href="/settings/connectors" className="inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ArrowLeft className="size-4" /> Connectors
      </Link>

      <div className="flex flex-wrap items-start gap-4">
        <div className="flex size-11 shrink-0 items-center justify-center rounded-xl bg-brand-50 text-brand-700">
          <Icon className="size-5" />
        </div>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="font-mono text-xl font-semibold text-slate-900" data-testid="connector-name">
              {c.name}
            </h2>
            <Badge tone="slate">{TRANSPORT_LABELS[c.transport]}</Badge>
            {c.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="slate">disabled</Badge>}
          </div>
          <p className="mt-0.5 text-sm text-slate-500" data-testid="server-info">
            {c.serverName ? `${c.serverName}${c.serverVersion ? ` ${c.serverVersion}` : ""}` : "Not connected yet"}
            {c.approvedAt ? ` · last approval ${new Date(c.approvedAt).toLocaleString()}` : ""}
          </p>
        </div>
        <div className="flex items-center gap-2">
          <label className="mr-2 flex items-center gap-2 text-sm text-slate-600">
            <EnabledSwitch checked={c.enabled} disabled={toggle.isPending} label={`${c.name} enabled`} onChange={(enabled) => toggle.mutate({ id, enabled })} />
            Enabled
          </label>
          <Button onClick={() => test.mutate({ id })} disabled={testing} data-testid="test-connection">
            <PlugZap /> {testing ? "Testing…" : "Test connection"}
          </Button>
          <Button variant="secondary" size="icon" aria-label="Check for tool changes" title="Check for tool changes" disabled={testing} onClick={() => refresh.mutate({ id })}>
            <RefreshCw className={testing ? "animate-spin" : undefined} />
          </Button>
          <Button variant="secondary" onClick={() => setEditing(true)} data-testid="edit-connector">
            <Pencil /> Edit
          </Button>
          <Button variant="ghost" size="icon" aria-label={`Delete ${c.name}`} onClick={() => setDeleting(true)}>
            <Trash2 />
          </Button>
        </div>
      </div>

      {c.secretsError ? (
        <Card className="border-red-200 bg-red-50 p-4 text-sm text-red-800">
          The stored secrets cannot be decrypted (the secret key changed): edit the connector and enter them again. ({c.secretsError})
        </Card>
      ) : null}

      <Card className="px-5 py-2">
        <dl className="divide-y divide-slate-100">
          {c.stdio ? (
            <>
              <ConfigRow label="Command">
                <code className="break-all font-mono text-xs">{[c.stdio.command, ...c.stdio.args].join(" ")}</code>
              </ConfigRow>
              {c.stdio.cwd ? (
                <ConfigRow label="Working dir">
                  <code className="font-mono text-xs">{c.stdio.cwd}</code>
                </ConfigRow>
              ) : null}
              <ConfigRow label="Environment">
                <MaskedList entries={c.stdio.env} />
              </ConfigRow>
            </>
          ) : (
            <>
              <ConfigRow label="URL">
                <code className="break-all font-mono text-xs">{c.http?.url}</code>
              </ConfigRow>
              <ConfigRow label="Headers">
                <MaskedList entries={c.http?.headers ?? []} />
              </ConfigRow>
            </>
          )}
          <ConfigRow label="Call timeout">{(c.timeoutMs / 1000).toLocaleString()} s</ConfigRow>
        </dl>
      </Card>

      {result ? <TestResult result={result} onDismiss={() => setResult(null)} /> : null}

      {c.reviews.length ? <ToolReviewPanel reviews={c.reviews} pending={approve.isPending} onApprove={(tools) => approve.mutate({ id, tools })} /> : null}

      <section className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <div>
            <h3 className="text-base font-semibold text-slate-900">Tools and policy</h3>
            <p className="text-sm text-slate-600">Read-only tools run on their own; anything else waits in the Decision Queue. Tighten freely; loosening asks first and is audited.</p>
          </div>
          {live.length ? (
            <div className="flex items-center gap-1.5 text-xs text-slate-500" data-testid="policy-counts">
              <PolicyBadge policy="autonomous" /> {counts.autonomous}
              <PolicyBadge policy="gated" /> {counts.gated}
              {counts.disallowed ? (
                <>
                  <PolicyBadge policy="disallowed" /> {counts.disallowed}
                </>
              ) : null}
            </div>
          ) : null}
        </div>
        {c.tools.length ? (
          <ToolsTable connectorId={id} connectorName={c.name} tools={c.tools} approving={approve.isPending} onApprove={(tool) => approve.mutate({ id, tools: [{ name: tool.name, hash: tool.hash }] })} />
        ) : (
          <EmptyState icon={<PlugZap />} title="No tools recorded yet">
            Test the connection to list the server&apos;s tools and review them.
          </EmptyState>
        )}
      </section>

      {editing ? <ConnectorDialog open onOpenChange={setEditing} editing={c} onSaved={() => setEditing(false)} /> : null}
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${c.name}?`}
        confirmLabel="Delete connector"
        pending={remove.isPending}
        onConfirm={() => remove.mutate({ id })}
        error={remove.error?.message ?? null}
      >
        <p>
          Its stored secrets and tool approvals are deleted and its server is stopped. Missions that use <code className="font-mono text-xs">{c.name}.*</code> tools fail until a
          connector with this name is registered again.
        </p>
      </ConfirmDialog>
    </div>
  );
}
