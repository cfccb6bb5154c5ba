"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronRight, Globe, Plug, Plus, Terminal, TriangleAlert } from "lucide-react";
import { toast } from "sonner";
import type { ConnectorView } from "@/server/connectors/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConnectorDialog } from "./connector-dialog";
import { TRANSPORT_LABELS } from "./connector-form-state";
import { EnabledSwitch } from "./enabled-switch";

export function needsReview(c: Pick<ConnectorView, "toolCounts">): number {
  return c.toolCounts.new + c.toolCounts.changed;
}

function toolSummary(c: ConnectorView): string {
  const live = c.toolCounts.approved + c.toolCounts.new + c.toolCounts.changed;
  if (!live && !c.serverName) return "not tested yet";
  return `${live} tool${live === 1 ? "" : "s"}`;
}

function ConnectorRow({ c }: { c: ConnectorView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toggle = useMutation(
    trpc.connectors.setEnabled.mutationOptions({
      onSuccess: (next) => {
        toast.success(`${next.name} ${next.enabled ? "enabled" : "disabled"}`);
        void qc.invalidateQueries({ queryKey: trpc.connectors.list.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const review = needsReview(c);
  const Icon = c.transport === "stdio" ? Terminal : Globe;
  return (
    <div className="flex items-center gap-4 px-5 py-3.5" data-testid="connector-row" data-connector={c.name}>
      <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-500">
        <Icon className="size-4" />
      </div>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link href={`/settings/connectors/${c.id}`} className="font-mono text-sm font-semibold text-slate-900 hover:text-brand-700 hover:underline">
            {c.name}
          </Link>
          <Badge tone="slate">{TRANSPORT_LABELS[c.transport]}</Badge>
          {review ? (
            <Badge tone="amber" data-testid="needs-review">
              <TriangleAlert className="size-3" /> needs review ({review})
            </Badge>
          ) : null}
          {c.secretsError ? <Badge tone="red">secrets unreadable: re-enter them</Badge> : null}
          {!c.enabled ? <Badge tone="slate">disabled</Badge> : null}
        </div>
        <div className="mt-0.5 truncate text-xs text-slate-500">
          {c.serverName ? (
            <span data-testid="server-info">
              {c.serverName}
              {c.serverVersion ? ` ${c.serverVersion}` : ""}
            </span>
          ) : (
            <span className="truncate font-mono">{c.stdio ? [c.stdio.command, ...c.stdio.args].join(" ") : c.http?.url}</span>
          )}
          {" · "}
          <span data-testid="tool-count">{toolSummary(c)}</span>
        </div>
      </div>
      <EnabledSwitch checked={c.enabled} disabled={toggle.isPending} label={`${c.name} enabled`} onChange={(enabled) => toggle.mutate({ id: c.id, enabled })} />
      <Button asChild variant="ghost" size="icon" aria-label={`Open ${c.name}`}>
        <Link href={`/settings/connectors/${c.id}`}>
          <ChevronRight />
        </Link>
      </Button>
    </div>
  );
}

export function ConnectorsSettings() {
  const trpc = useTRPC();
  const router = useRouter();
  const connectors = useQuery(trpc.connectors.list.queryOptions());
  const [open, setOpen] = useState(false);
  const add = (
    <Button onClick={() => setOpen(true)} data-testid="add-connector">
      <Plus /> Add connector
    </Button>
  );
  return (
    <>
      <div className="mb-4 flex items-center justify-between gap-4">
        <p className="text-sm text-slate-600">MCP servers Workers reach systems through. New and changed tools are offered only after you review them.</p>
        {add}
      </div>
      {connectors.error ? (
        <Card className="p-6 text-sm text-red-700">Could not load connectors: {connectors.error.message}</Card>
      ) : connectors.data && connectors.data.length === 0 ? (
        <EmptyState icon={<Plug />} title="No connectors yet" action={add}>
          Register an MCP server (stdio or HTTP) to give Workers tools: read-only ones run on their own, the rest wait for a decision.
        </EmptyState>
      ) : (
        <Card className="divide-y divide-slate-100">
          {(connectors.data ?? []).map((c) => (
            <ConnectorRow key={c.id} c={c} />
          ))}
          {connectors.isLoading ? <div className="px-5 py-6 text-sm text-slate-500">Loading…</div> : null}
        </Card>
      )}
      <ConnectorDialog open={open} onOpenChange={setOpen} onSaved={(c) => router.push(`/settings/connectors/${c.id}?test=1`)} />
    </>
  );
}
