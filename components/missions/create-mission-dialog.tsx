"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Textarea } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";

export function CreateMissionDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const templates = useQuery({ ...trpc.missions.templates.queryOptions(), enabled: open });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState<string>("blank");
  const create = useMutation(
    trpc.missions.create.mutationOptions({
      onSuccess: (m) => {
        onOpenChange(false);
        router.push(`/missions/${m.id}`);
      },
    }),
  );
  const problems = errorProblems(create.error);
  const nameError = problems.find((p) => p.path === "name")?.message ?? null;

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="New mission"
      description="Name it for what it decides. You can change everything later."
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button
            data-testid="create-mission-submit"
            disabled={create.isPending}
            onClick={() => create.mutate({ name, description, template })}
          >
            {create.isPending ? "Creating…" : "Create mission"}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        <div className="space-y-1.5">
          <Label htmlFor="mission-name">Name</Label>
          <Input id="mission-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Refund adjudication" aria-invalid={!!nameError} />
          <FieldError>{nameError ? `Name ${nameError}` : null}</FieldError>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="mission-description">Description</Label>
          <Textarea id="mission-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What this mission decides and for whom" />
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Start from</legend>
          <div className="grid gap-2">
            {[{ id: "blank", name: "Blank mission", description: "A trigger and a verdict; draw the rest." }, ...(templates.data ?? []).filter((t) => t.id !== "blank")].map((t) => (
              <label
                key={t.id}
                className={cn(
                  "flex cursor-pointer items-start gap-3 rounded-lg border p-3 text-sm",
                  template === t.id ? "border-brand-500 bg-brand-50" : "border-slate-200 hover:border-slate-300",
                )}
              >
                <input type="radio" name="template" value={t.id} checked={template === t.id} onChange={() => setTemplate(t.id)} className="mt-0.5" data-testid={`template-${t.id}`} />
                <span>
                  <span className="font-medium text-slate-900">{t.name}</span>
                  <span className="block text-slate-600">{t.description}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {create.error && !nameError ? <FieldError>{create.error.message}</FieldError> : null}
      </div>
    </Dialog>
  );
}
