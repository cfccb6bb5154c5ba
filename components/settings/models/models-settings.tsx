"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Bot, CircleCheck, CircleX, FlaskConical, Lock, Pencil, Plus, Star, Trash2 } from "lucide-react";
import { toast } from "sonner";
import type { ModelTestResult, ModelView, ProviderView } from "@/server/models/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { ConfirmDialog } from "@/components/settings/connectors/confirm-dialog";
import { ModelDialog } from "./model-dialog";
import { ProviderDialog } from "./provider-dialog";
import { KIND_LABELS } from "./provider-kinds";

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });

function TestOutcome({ result }: { result: ModelTestResult }) {
  return (
    <div
      className={cn("mt-2 flex items-start gap-2 rounded-md px-3 py-2 text-xs", result.ok ? "bg-emerald-50 text-emerald-900" : "bg-red-50 text-red-900")}
      data-testid="model-test-result"
      data-ok={String(result.ok)}
    >
      {result.ok ? <CircleCheck className="mt-0.5 size-3.5 shrink-0 text-emerald-600" /> : <CircleX className="mt-0.5 size-3.5 shrink-0 text-red-600" />}
      <div className="min-w-0 flex-1">
        <span className="font-medium">{result.ok ? "Answered" : "Failed"}</span>
        <span className="text-slate-500"> in {result.latencyMs} ms</span>
        <p className="mt-0.5 whitespace-pre-wrap break-words font-mono">{result.ok ? result.text || "(an empty answer)" : result.error}</p>
      </div>
    </div>
  );
}

function ModelRow({ m, provider, replayFixtures }: { m: ModelView; provider: ProviderView; replayFixtures: string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [result, setResult] = useState<ModelTestResult | null>(null);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
  const test = useMutation(trpc.models.test.mutationOptions({ onSuccess: setResult, onError: (e) => toast.error(e.message) }));
  const makeDefault = useMutation(
    trpc.models.setDefault.mutationOptions({
      onSuccess: (d) => {
        toast.success(`${d.id} is now the default model`);
        void refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const remove = useMutation(
    trpc.models.deleteModel.mutationOptions({
      onSuccess: () => {
        toast.success(`Deleted ${m.id}`);
        setDeleting(false);
        void refresh();
      },
    }),
  );
  return (
    <li className="px-5 py-3" data-testid="model-row" data-model={m.id}>
      <div className="grid grid-cols-[2rem_minmax(0,1.4fr)_minmax(0,1fr)_9rem_auto] items-center gap-3">
        <button
          type="button"
          onClick={() => !m.isDefault && makeDefault.mutate({ id: m.id })}
          disabled={makeDefault.isPending}
          aria-label={m.isDefault ? `${m.id} is the default model` : `Make ${m.id} the default model`}
          aria-pressed={m.isDefault}
          title={m.isDefault ? "The default model" : "Make this the default model"}
          className={cn("flex size-8 items-center justify-center rounded-md", m.isDefault ? "text-amber-500" : "text-slate-300 hover:bg-slate-100 hover:text-amber-400")}
        >
          <Star className={cn("size-4", m.isDefault && "fill-current")} />
        </button>
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <code className="truncate font-mono text-sm font-semibold text-slate-900">{m.id}</code>
            {m.isDefault ? <Badge tone="amber">default</Badge> : null}
            {m.purpose === "embedding" ? <Badge>embeddings</Badge> : null}
          </div>
          <div className="truncate text-xs text-slate-500">{m.label || "no label"}</div>
        </div>
        <code className="truncate font-mono text-xs text-slate-600" title="Provider model name">
          {m.modelName}
        </code>
        <div className="text-xs text-slate-600" title="USD per million tokens, input / output">
          {usd.format(m.priceInPerMtok)} / {usd.format(m.priceOutPerMtok)}
        </div>
        <div className="flex items-center justify-end gap-1">
          <Button variant="secondary" size="sm" disabled={test.isPending} onClick={() => test.mutate({ id: m.id })} aria-label={`Test ${m.id}`}>
            <FlaskConical /> {test.isPending ? "Testing…" : "Test"}
          </Button>
          <Button variant="ghost" size="icon" aria-label={`Edit ${m.id}`} onClick={() => setEditing(true)}>
            <Pencil />
          </Button>
          <Button variant="ghost" size="icon" aria-label={`Delete ${m.id}`} onClick={() => setDeleting(true)}>
            <Trash2 />
          </Button>
        </div>
      </div>
      {result ? <TestOutcome result={result} /> : null}
      {editing ? <ModelDialog open onOpenChange={setEditing} provider={provider} editing={m} replayFixtures={replayFixtures} /> : null}
      <ConfirmDialog open={deleting} onOpenChange={setDeleting} title={`Delete ${m.id}?`} confirmLabel="Delete model" pending={remove.isPending} onConfirm={() => remove.mutate({ id: m.id })} error={remove.error?.message ?? null}>
        <p>
          Workers that name <code className="font-mono text-xs">{m.id}</code> fail with “Unknown model” until it is registered again.
          {m.isDefault ? " It is the default model: Workers with no model chosen fail too, until you pick another default." : ""}
        </p>
      </ConfirmDialog>
    </li>
  );
}

function ProviderCard({ p, models, replayFixtures }: { p: ProviderView; models: ModelView[]; replayFixtures: string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation(
    trpc.models.deleteProvider.mutationOptions({
      onSuccess: () => {
        toast.success(`Deleted ${p.name}`);
        setDeleting(false);
        void qc.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
      },
    }),
  );
  return (
    <Card data-testid="provider-card" data-provider={p.name}>
      <div className="flex flex-wrap items-center gap-3 border-b border-slate-100 px-5 py-3">
        <div className="flex size-9 items-center justify-center rounded-lg bg-slate-100 text-slate-500">
          <Bot className="size-4" />
        </div>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold text-slate-900">{p.name}</span>
            <Badge tone={p.kind === "replay" ? "violet" : "blue"}>{KIND_LABELS[p.kind]}</Badge>
          </div>
          <div className="mt-0.5 flex flex-wrap items-center gap-x-3 text-xs text-slate-500">
            {p.baseUrl ? <code className="font-mono">{p.baseUrl}</code> : p.kind === "replay" ? <span>offline transcripts</span> : <span>default API URL</span>}
            {p.kind === "replay" ? null : p.apiKeyMasked ? (
              <span className="inline-flex items-center gap-1 font-mono" data-testid="provider-key">
                <Lock className="size-3" aria-hidden /> {p.apiKeyMasked}
              </span>
            ) : (
              <span>no key</span>
            )}
          </div>
        </div>
        <Button variant="secondary" size="sm" onClick={() => setAdding(true)} data-testid="add-model">
          <Plus /> Add model
        </Button>
        <Button variant="ghost" size="icon" aria-label={`Edit ${p.name}`} onClick={() => setEditing(true)}>
          <Pencil />
        </Button>
        <Button variant="ghost" size="icon" aria-label={`Delete ${p.name}`} onClick={() => setDeleting(true)}>
          <Trash2 />
        </Button>
      </div>
      {models.length ? (
        <>
          <div className="grid grid-cols-[2rem_minmax(0,1.4fr)_minmax(0,1fr)_9rem_auto] gap-3 px-5 pt-2 text-[11px] font-medium uppercase tracking-wide text-slate-400">
            <span />
            <span>Model id · label</span>
            <span>Provider model</span>
            <span>In / out per 1M</span>
            <span className="w-40" />
          </div>
          <ul className="divide-y divide-slate-100">
            {models.map((m) => (
              <ModelRow key={m.id} m={m} provider={p} replayFixtures={replayFixtures} />
            ))}
          </ul>
        </>
      ) : (
        <p className="px-5 py-4 text-sm text-slate-500">No models yet. Add the ones Workers may use.</p>
      )}
      {adding ? <ModelDialog open onOpenChange={setAdding} provider={p} replayFixtures={replayFixtures} /> : null}
      {editing ? <ProviderDialog open onOpenChange={setEditing} editing={p} /> : null}
      <ConfirmDialog open={deleting} onOpenChange={setDeleting} title={`Delete ${p.name}?`} confirmLabel="Delete provider" pending={remove.isPending} onConfirm={() => remove.mutate({ id: p.id })} error={remove.error?.message ?? null}>
        <p>Its key is deleted{models.length ? <> along with its {models.length} model{models.length === 1 ? "" : "s"}: {models.map((m) => m.id).join(", ")}</> : null}.</p>
        {models.length ? <p>Workers that name those models fail with “Unknown model” until they are registered again.</p> : null}
      </ConfirmDialog>
    </Card>
  );
}

export function ModelsSettings() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.models.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const data = overview.data;
  const fallback = data?.models.find((m) => m.isDefault);
  const add = (
    <Button onClick={() => setAdding(true)} data-testid="add-provider">
      <Plus /> Add provider
    </Button>
  );
  return (
    <>
      <div className="mb-4 flex items-center justify-between gap-4">
        <div>
          <p className="text-sm text-slate-600">Providers and the models Workers may use. Keys are encrypted and never shown again.</p>
          {data ? (
            <p className="mt-1 text-sm text-slate-600" data-testid="default-model">
              <Star className="mr-1 inline size-3.5 fill-amber-400 text-amber-400" />
              {fallback ? (
                <>
                  Default model: <code className="font-mono text-slate-900">{fallback.id}</code> ({fallback.providerName})
                </>
              ) : (
                "No default model: Workers must each name one. Star a model to make it the default."
              )}
            </p>
          ) : null}
        </div>
        {add}
      </div>
      {overview.error ? (
        <Card className="p-6 text-sm text-red-700">Could not load models: {overview.error.message}</Card>
      ) : data && data.providers.length === 0 ? (
        <EmptyState icon={<Bot />} title="No model providers yet" action={add}>
          Add OpenAI, Anthropic, a local OpenAI-compatible server (Ollama, vLLM, LM Studio) or the offline replay provider.
        </EmptyState>
      ) : (
        <div className="space-y-4">
          {(data?.providers ?? []).map((p) => (
            <ProviderCard key={p.id} p={p} models={data?.models.filter((m) => m.providerId === p.id) ?? []} replayFixtures={data?.replayFixtures ?? []} />
          ))}
          {overview.isLoading ? <Card className="p-6 text-sm text-slate-500">Loading…</Card> : null}
        </div>
      )}
      {adding ? <ProviderDialog open onOpenChange={setAdding} /> : null}
    </>
  );
}
