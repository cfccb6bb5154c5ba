"use client";

import { useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Lock, Trash2, Undo2 } from "lucide-react";
import { toast } from "sonner";
import type { ProviderView } from "@/server/models/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label } from "@/components/ui/input";
import { useFieldProblems } from "@/components/settings/connectors/use-field-problems";
import { KIND_HELP, KIND_LABELS, PROVIDER_KINDS, type ProviderKind } from "./provider-kinds";

function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error: string | null; children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint && !error ? <p className="text-xs text-slate-500">{hint}</p> : null}
      <FieldError>{error}</FieldError>
    </div>
  );
}

type KeyMode = "keep" | "replace" | "remove";

/** Adds a provider or edits one; keys are write-only (replace or remove, never shown). */
export function ProviderDialog({ open, onOpenChange, editing }: { open: boolean; onOpenChange: (open: boolean) => void; editing?: ProviderView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [kind, setKind] = useState<ProviderKind>(editing?.kind ?? "openai-compatible");
  const [name, setName] = useState(editing?.name ?? KIND_LABELS["openai-compatible"]);
  const [baseUrl, setBaseUrl] = useState(editing?.baseUrl ?? "");
  const [apiKey, setApiKey] = useState("");
  const stored = editing?.apiKeyMasked ?? null;
  const [keyMode, setKeyMode] = useState<KeyMode>(stored ? "keep" : "replace");
  const done = (p: ProviderView, verb: string) => {
    toast.success(`${verb} ${p.name}`);
    void qc.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
    onOpenChange(false);
  };
  const create = useMutation(trpc.models.createProvider.mutationOptions({ onSuccess: (p) => done(p, "Added") }));
  const update = useMutation(trpc.models.updateProvider.mutationOptions({ onSuccess: (p) => done(p, "Saved") }));
  const mutation = editing ? update : create;
  const fields = useFieldProblems(mutation.error);
  const err = fields.at;
  const placed = ["name", "kind", "baseUrl", "apiKey"];
  const other = fields.problems.filter((p) => !placed.includes(p.path));

  function chooseKind(next: ProviderKind) {
    // Keep a name the admin typed; replace one we suggested.
    if (!name.trim() || name === KIND_LABELS[kind]) setName(KIND_LABELS[next]);
    setKind(next);
    fields.edit("kind");
  }

  function submit() {
    fields.reset();
    const url = baseUrl.trim() ? baseUrl.trim() : null;
    if (editing) {
      const key = keyMode === "remove" ? { apiKey: null } : keyMode === "replace" && apiKey.trim() ? { apiKey } : {};
      update.mutate({ id: editing.id, name, ...(kind === "replay" ? {} : { baseUrl: url }), ...key });
    } else {
      create.mutate({ name, kind, baseUrl: kind === "replay" ? null : url, apiKey: kind === "replay" || !apiKey.trim() ? null : apiKey });
    }
  }

  const needsUrl = kind === "openai-compatible";
  const takesKey = kind !== "replay";
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={editing ? `Edit ${editing.name}` : "Add a model provider"}
      description="Keys are encrypted at rest and never shown again; only their last four characters are."
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button disabled={mutation.isPending} onClick={submit} data-testid="provider-save">
            {mutation.isPending ? "Saving…" : editing ? "Save changes" : "Add provider"}
          </Button>
        </>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="space-y-1.5">
          <span className="text-sm font-medium text-slate-700" id="provider-kind-label">
            Kind
          </span>
          <div role="radiogroup" aria-labelledby="provider-kind-label" className="grid grid-cols-2 gap-2">
            {PROVIDER_KINDS.map((k) => (
              <button
                key={k}
                type="button"
                role="radio"
                aria-checked={kind === k}
                disabled={!!editing && k !== kind}
                onClick={() => chooseKind(k)}
                className={cn(
                  "rounded-lg border px-3 py-2 text-left transition-colors disabled:cursor-not-allowed disabled:opacity-40",
                  kind === k ? "border-brand-500 bg-brand-50 ring-1 ring-brand-500" : "border-slate-200 bg-white hover:border-slate-300",
                )}
              >
                <div className="text-sm font-medium text-slate-900">{KIND_LABELS[k]}</div>
                <div className="text-xs text-slate-500">{KIND_HELP[k]}</div>
              </button>
            ))}
          </div>
          <FieldError>{err("kind")}</FieldError>
        </div>

        <Field id="provider-name" label="Name" hint="How settings and run costs name it, e.g. “Ollama on the GPU box”." error={err("name")}>
          <Input id="provider-name" value={name} onChange={(e) => {
              setName(e.target.value);
              fields.edit("name");
            }} aria-invalid={!!err("name")} />
        </Field>

        {kind !== "replay" ? (
          <Field
            id="provider-base-url"
            label={needsUrl ? "Base URL" : "Base URL (optional)"}
            hint={needsUrl ? "Including /v1, e.g. http://localhost:11434/v1 (Ollama) or http://localhost:1234/v1 (LM Studio)." : "Leave blank for the provider's own API; set it for a proxy or gateway."}
            error={err("baseUrl")}
          >
            <Input
              id="provider-base-url"
              value={baseUrl}
              placeholder={needsUrl ? "http://localhost:11434/v1" : kind === "openai" ? "https://api.openai.com/v1" : "https://api.anthropic.com/v1"}
              onChange={(e) => {
                setBaseUrl(e.target.value);
                fields.edit("baseUrl");
              }}
              aria-invalid={!!err("baseUrl")}
              className="font-mono"
            />
          </Field>
        ) : null}

        {takesKey ? (
          <Field id="provider-api-key" label={needsUrl ? "API key (optional)" : "API key"} error={err("apiKey")} hint={needsUrl ? "Local servers often need none." : undefined}>
            {stored && keyMode !== "replace" ? (
              <div className="flex items-center gap-2">
                <div className={cn("flex h-9 flex-1 items-center gap-1.5 rounded-md border border-slate-200 bg-slate-50 px-3 font-mono text-xs text-slate-500", keyMode === "remove" && "text-red-600 line-through")} data-testid="masked-key">
                  <Lock className="size-3" aria-hidden /> {stored}
                </div>
                {keyMode === "keep" ? (
                  <>
                    <Button type="button" variant="secondary" size="sm" onClick={() => setKeyMode("replace")}>
                      Replace
                    </Button>
                    <Button type="button" variant="ghost" size="icon" aria-label="Remove the key" onClick={() => setKeyMode("remove")}>
                      <Trash2 />
                    </Button>
                  </>
                ) : (
                  <Button type="button" variant="ghost" size="sm" onClick={() => setKeyMode("keep")}>
                    <Undo2 /> Keep
                  </Button>
                )}
              </div>
            ) : (
              <div className="flex items-center gap-2">
                <Input
                  id="provider-api-key"
                  type="password"
                  autoComplete="new-password"
                  value={apiKey}
                  placeholder={stored ? "New key (blank keeps the stored one)" : kind === "anthropic" ? "sk-ant-…" : "sk-…"}
                  onChange={(e) => {
                    setApiKey(e.target.value);
                    fields.edit("apiKey");
                  }}
                  aria-invalid={!!err("apiKey")}
                  className="flex-1 font-mono"
                />
                {stored ? (
                  <Button
                    type="button"
                    variant="ghost"
                    size="sm"
                    onClick={() => {
                      setKeyMode("keep");
                      setApiKey("");
                    }}
                  >
                    <Undo2 /> Keep
                  </Button>
                ) : null}
              </div>
            )}
          </Field>
        ) : (
          <p className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600">
            Replay plays back recorded transcripts from <code className="font-mono">server/models/replay/fixtures</code>: no network, no key. Add one model per fixture.
          </p>
        )}
        {other.map((p) => (
          <FieldError key={`${p.path}:${p.message}`}>{p.path ? `${p.path}: ${p.message}` : p.message}</FieldError>
        ))}
        {mutation.error && !fields.any ? <FieldError>{mutation.error.message}</FieldError> : null}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
