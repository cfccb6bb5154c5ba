"use client";

import { useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import type { ModelView, ProviderView } from "@/server/models/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Select } from "@/components/ui/input";
import { useFieldProblems } from "@/components/settings/connectors/use-field-problems";
import { MODEL_NAME_PLACEHOLDER } from "./provider-kinds";

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

/** A price box as typed: blank is free; anything else goes to the server, which names a bad one. */
function price(text: string): string | number {
  return text.trim() === "" ? 0 : text.trim();
}

/** Registers a model of one provider, or edits its name, label and prices. */
export function ModelDialog({
  open,
  onOpenChange,
  provider,
  editing,
  replayFixtures,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  provider: ProviderView;
  editing?: ModelView;
  replayFixtures: string[];
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const replay = provider.kind === "replay";
  const [modelName, setModelName] = useState(editing?.modelName ?? (replay ? (replayFixtures[0] ?? "") : ""));
  const [id, setId] = useState("");
  const [label, setLabel] = useState(editing?.label ?? "");
  const [priceIn, setPriceIn] = useState(editing ? String(editing.priceInPerMtok) : "");
  const [priceOut, setPriceOut] = useState(editing ? String(editing.priceOutPerMtok) : "");
  const [isDefault, setIsDefault] = useState(false);
  // Only OpenAI and OpenAI-compatible servers embed text (the knowledge base's hybrid search).
  const canEmbed = provider.kind === "openai" || provider.kind === "openai-compatible";
  const [purpose, setPurpose] = useState<"chat" | "embedding">("chat");
  const done = (m: ModelView, verb: string) => {
    toast.success(`${verb} ${m.id}`);
    void qc.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
    onOpenChange(false);
  };
  const create = useMutation(trpc.models.createModel.mutationOptions({ onSuccess: (m) => done(m, "Added") }));
  const update = useMutation(trpc.models.updateModel.mutationOptions({ onSuccess: (m) => done(m, "Saved") }));
  const mutation = editing ? update : create;
  const fields = useFieldProblems(mutation.error);
  const err = fields.at;
  const placed = ["id", "modelName", "label", "priceInPerMtok", "priceOutPerMtok", "purpose"];
  const other = fields.problems.filter((p) => !placed.includes(p.path));
  const suggestedId = replay ? `replay:${modelName || "name"}` : modelName || MODEL_NAME_PLACEHOLDER[provider.kind];

  function submit() {
    fields.reset();
    const prices = { priceInPerMtok: price(priceIn), priceOutPerMtok: price(priceOut) };
    if (editing) update.mutate({ id: editing.id, modelName, label, ...prices });
    else create.mutate({ providerId: provider.id, modelName, label, ...prices, purpose, isDefault: purpose === "chat" && isDefault, ...(id.trim() ? { id: id.trim() } : {}) });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={editing ? `Edit ${editing.id}` : `Add a model to ${provider.name}`}
      description={editing ? "Workers keep referring to it by its id." : "Workers pick it by its id; changing the provider's model name later does not change any mission."}
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button disabled={mutation.isPending} onClick={submit} data-testid="model-save">
            {mutation.isPending ? "Saving…" : editing ? "Save changes" : "Add model"}
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
        <Field
          id="model-name"
          label={replay ? "Fixture" : "Provider model name"}
          hint={replay ? "A recorded transcript set in server/models/replay/fixtures." : "Exactly as the provider spells it; sent with every request."}
          error={err("modelName")}
        >
          {replay ? (
            <Select id="model-name" value={modelName} onChange={(e) => { setModelName(e.target.value); fields.edit("modelName"); }} aria-invalid={!!err("modelName")}>
              {replayFixtures.length ? null : <option value="">No fixtures found</option>}
              {replayFixtures.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </Select>
          ) : (
            <Input id="model-name" value={modelName} placeholder={MODEL_NAME_PLACEHOLDER[provider.kind]} onChange={(e) => { setModelName(e.target.value); fields.edit("modelName"); }} aria-invalid={!!err("modelName")} className="font-mono" />
          )}
        </Field>
        {editing ? null : (
          <Field id="model-id" label="Id (optional)" hint={`What Workers reference. Blank: ${suggestedId}`} error={err("id")}>
            <Input id="model-id" value={id} placeholder={suggestedId} onChange={(e) => { setId(e.target.value); fields.edit("id"); }} aria-invalid={!!err("id")} className="font-mono" />
          </Field>
        )}
        <Field id="model-label" label="Label" hint="Shown in the editor's model picker." error={err("label")}>
          <Input id="model-label" value={label} placeholder="e.g. Fast and cheap" onChange={(e) => { setLabel(e.target.value); fields.edit("label"); }} aria-invalid={!!err("label")} />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field id="model-price-in" label="Input price" hint="USD per million tokens" error={err("priceInPerMtok")}>
            <Input id="model-price-in" inputMode="decimal" value={priceIn} placeholder="0" onChange={(e) => { setPriceIn(e.target.value); fields.edit("priceInPerMtok"); }} aria-invalid={!!err("priceInPerMtok")} />
          </Field>
          <Field id="model-price-out" label="Output price" hint="USD per million tokens" error={err("priceOutPerMtok")}>
            <Input id="model-price-out" inputMode="decimal" value={priceOut} placeholder="0" onChange={(e) => { setPriceOut(e.target.value); fields.edit("priceOutPerMtok"); }} aria-invalid={!!err("priceOutPerMtok")} />
          </Field>
        </div>
        {editing || !canEmbed ? null : (
          <Field id="model-purpose" label="Used for" hint="An embedding model gives the knowledge base its hybrid (meaning) search; Workers cannot use it." error={err("purpose")}>
            <Select id="model-purpose" value={purpose} onChange={(e) => { setPurpose(e.target.value === "embedding" ? "embedding" : "chat"); fields.edit("purpose"); }} data-testid="model-purpose">
              <option value="chat">Workers (chat)</option>
              <option value="embedding">Knowledge embeddings</option>
            </Select>
          </Field>
        )}
        {editing || purpose === "embedding" ? null : (
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />
            Make it the default model (Workers with no model chosen use it)
          </label>
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
