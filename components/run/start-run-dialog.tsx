"use client";

import { useMemo, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Play } from "lucide-react";
import { missionGraphSchema, type InputField, type RunBudget } from "@/lib/mission/schema";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Select, Textarea } from "@/components/ui/input";
import { checkRunInput, type RunInputValues as Values } from "./run-input";

/**
 * "Run" for a mission: a form generated from the trigger's input fields of the version it will run
 * (the published one unless `versionNumber` is given). Starts the run and opens its run view.
 * Without `missionId` it first asks which mission (those with a published version).
 */
export function StartRunDialog({
  missionId,
  versionNumber,
  open,
  onOpenChange,
  note,
}: {
  missionId?: string;
  versionNumber?: number;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** A line shown above the form (e.g. the editor's reminder that unsaved edits do not run). */
  note?: string;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Start a run" description="The run is pinned to the version shown; its input is checked against the trigger's fields.">
      {/* Mounted only while open, so every opening starts with an empty form. */}
      {open ? (
        missionId ? (
          <>
            {note ? <p className="mb-3 text-xs text-slate-500">{note}</p> : null}
            <StartRunForm missionId={missionId} versionNumber={versionNumber} onClose={() => onOpenChange(false)} />
          </>
        ) : (
          <PickMission onClose={() => onOpenChange(false)} />
        )
      ) : null}
    </Dialog>
  );
}

function PickMission({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const missions = useQuery(trpc.missions.list.queryOptions({ includeArchived: false }));
  const runnable = (missions.data ?? []).filter((m) => m.publishedVersion !== null);
  const [picked, setPicked] = useState("");
  return (
    <div className="space-y-4">
      <div className="space-y-1.5">
        <Label htmlFor="start-run-mission">Mission</Label>
        <Select id="start-run-mission" value={picked} onChange={(e) => setPicked(e.target.value)} data-testid="start-run-mission">
          <option value="">{missions.isLoading ? "Loading…" : runnable.length ? "Choose a mission" : "No mission has a published version yet"}</option>
          {runnable.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} (v{m.publishedVersion})
            </option>
          ))}
        </Select>
      </div>
      {picked ? (
        <StartRunForm key={picked} missionId={picked} versionNumber={undefined} onClose={onClose} />
      ) : (
        <div className="flex justify-end">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
        </div>
      )}
    </div>
  );
}

function StartRunForm({ missionId, versionNumber, onClose }: { missionId: string; versionNumber: number | undefined; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  // Always re-read: the editor may have saved a version since this mission was last fetched.
  const mission = useQuery({ ...trpc.missions.get.queryOptions({ id: missionId }), enabled: versionNumber === undefined, refetchOnMount: "always" });
  // Runs use the published version (server/missions/publishing.ts).
  const number = versionNumber ?? (mission.isFetchedAfterMount ? (mission.data?.publishedVersion ?? 0) : 0);
  const version = useQuery({ ...trpc.missions.version.queryOptions({ id: missionId, number }), enabled: number > 0 });
  const { fields, missionBudget } = useMemo((): { fields: InputField[]; missionBudget: RunBudget | undefined } => {
    const parsed = missionGraphSchema.safeParse(version.data?.graph);
    if (!parsed.success) return { fields: [], missionBudget: undefined };
    const trigger = parsed.data.nodes.find((n) => n.kind === "trigger");
    return { fields: trigger?.kind === "trigger" ? trigger.data.fields : [], missionBudget: parsed.data.budget };
  }, [version.data]);
  const [values, setValues] = useState<Values>({});
  const [budget, setBudget] = useState<BudgetValues>({ tokenBudget: "", costBudget: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});

  const start = useMutation(
    trpc.runs.start.mutationOptions({
      onSuccess: ({ runId }) => {
        onClose();
        router.push(`/runs/${runId}`);
      },
    }),
  );
  const serverProblems = errorProblems(start.error);
  const problemFor = (name: string) => errors[name] ?? serverProblems.find((p) => p.path === `input.${name}`)?.message ?? null;
  const budgetProblemFor = (name: keyof BudgetValues) => errors[`budget:${name}`] ?? serverProblems.find((p) => p.path === name)?.message ?? null;
  const otherProblem = start.error && !serverProblems.some((p) => p.path.startsWith("input.") || p.path in budget) ? start.error.message : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const checked = checkRunInput(fields, values);
    const limits = checkBudget(budget);
    const allErrors = { ...checked.errors, ...limits.errors };
    setErrors(allErrors);
    if (Object.keys(allErrors).length) return;
    start.mutate({ missionId, ...(version.data ? { versionId: version.data.id } : {}), input: checked.input, ...limits.values });
  }

  // Until the fresh read lands, the cached mission may predate the latest save: show it as loading.
  const fresh = versionNumber !== undefined || mission.isFetchedAfterMount;
  const noVersion = versionNumber === undefined && fresh && mission.data !== undefined && mission.data.publishedVersion === null;
  const loading = (versionNumber === undefined && (!fresh || mission.isLoading)) || version.isLoading;

  return (
    <>
      {noVersion ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="start-run-unpublished">
          {mission.data?.latestVersion
            ? `No version of this mission is published yet: version ${mission.data.latestVersion} awaits review by an approver or admin, and runs use published versions only.`
            : "Save a version of this mission first: runs are pinned to a saved version."}
        </p>
      ) : loading ? (
        <p className="text-sm text-slate-500">Loading the trigger’s inputs…</p>
      ) : version.isError ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {version.error.message}
        </p>
      ) : (
        <form id="start-run-form" onSubmit={submit} className="space-y-4" noValidate data-testid="start-run-form">
          {version.data ? <p className="text-xs text-slate-500">Version {version.data.number}{version.data.message ? ` — ${version.data.message}` : ""}</p> : null}
          {fields.length === 0 ? <p className="text-sm text-slate-600">This mission’s trigger takes no input.</p> : null}
          {fields.map((f) => (
            <FieldInput
              key={f.name}
              field={f}
              value={values[f.name]}
              problem={problemFor(f.name)}
              onChange={(v) => setValues((prev) => ({ ...prev, [f.name]: v }))}
            />
          ))}
          <BudgetInputs missionBudget={missionBudget} values={budget} problemFor={budgetProblemFor} onChange={(name, v) => setBudget((prev) => ({ ...prev, [name]: v }))} />
          {otherProblem ? (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
              {otherProblem}
            </p>
          ) : null}
        </form>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" form="start-run-form" disabled={start.isPending || loading || noVersion || !version.data} data-testid="start-run-submit">
          <Play /> {start.isPending ? "Starting…" : "Start run"}
        </Button>
      </div>
    </>
  );
}

interface BudgetValues {
  tokenBudget: string;
  costBudget: string;
}

/** The run's own budget: empty boxes leave the mission's (if any) in force. */
function checkBudget(v: BudgetValues): { values: { tokenBudget?: number; costBudget?: number }; errors: Record<string, string> } {
  const values: { tokenBudget?: number; costBudget?: number } = {};
  const errors: Record<string, string> = {};
  const tokens = v.tokenBudget.trim();
  if (tokens) {
    const n = Number(tokens);
    if (!Number.isInteger(n) || n < 1) errors["budget:tokenBudget"] = "must be a whole number of tokens, at least 1";
    else values.tokenBudget = n;
  }
  const cost = v.costBudget.trim();
  if (cost) {
    const n = Number(cost);
    if (!Number.isFinite(n) || n <= 0) errors["budget:costBudget"] = "must be an amount more than 0";
    else values.costBudget = n;
  }
  return { values, errors };
}

function BudgetInputs({
  missionBudget,
  values,
  problemFor,
  onChange,
}: {
  missionBudget: RunBudget | undefined;
  values: BudgetValues;
  problemFor: (name: keyof BudgetValues) => string | null;
  onChange: (name: keyof BudgetValues, value: string) => void;
}) {
  const set = [
    missionBudget?.tokens !== undefined ? `${missionBudget.tokens.toLocaleString("en-US")} tokens` : null,
    missionBudget?.cost !== undefined ? `$${missionBudget.cost} (USD)` : null,
  ].filter(Boolean);
  const box = (name: keyof BudgetValues, label: string, placeholder: string, step: string) => {
    const id = `start-run-${name}`;
    const problem = problemFor(name);
    return (
      <div className="space-y-1.5">
        <Label htmlFor={id}>{label}</Label>
        <Input id={id} type="number" min={0} step={step} inputMode="decimal" value={values[name]} placeholder={placeholder} aria-invalid={!!problem} aria-describedby={problem ? `${id}-error` : undefined} onChange={(e) => onChange(name, e.target.value)} />
        <FieldError id={problem ? `${id}-error` : undefined}>{problem ? `${label} ${problem}` : null}</FieldError>
      </div>
    );
  };
  return (
    <fieldset className="space-y-2 rounded-md border border-slate-200 px-3 pb-3 pt-2" data-testid="start-run-budget">
      <legend className="px-1 text-xs font-medium text-slate-600">Budget (optional)</legend>
      <p className="text-xs text-slate-500">
        The run stops before a model call once it has used this much.{" "}
        {set.length ? `The mission allows at most ${set.join(" and ")}; a run may set less, not more.` : "The mission sets no budget."}
      </p>
      <div className="grid grid-cols-2 gap-3">
        {box("tokenBudget", "Token budget", missionBudget?.tokens !== undefined ? String(missionBudget.tokens) : "no limit", "1")}
        {box("costBudget", "Cost budget (USD)", missionBudget?.cost !== undefined ? String(missionBudget.cost) : "no limit", "any")}
      </div>
    </fieldset>
  );
}

function FieldInput({ field: f, value, problem, onChange }: { field: InputField; value: string | boolean | undefined; problem: string | null; onChange: (v: string | boolean) => void }) {
  const id = `run-input-${f.name}`;
  const errorId = problem ? `${id}-error` : undefined;
  const label = f.label || f.name;
  if (f.type === "boolean") {
    return (
      <div className="space-y-1">
        <label className="flex items-center gap-2 text-sm font-medium text-slate-700" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} className="size-4 rounded border-slate-300" />
          {label}
        </label>
        {f.description ? <p className="text-xs text-slate-500">{f.description}</p> : null}
        <FieldError id={errorId}>{problem ? `${label} ${problem}` : null}</FieldError>
      </div>
    );
  }
  const text = typeof value === "string" ? value : "";
  const common = {
    id,
    name: f.name,
    value: text,
    required: f.required,
    "aria-invalid": !!problem,
    "aria-describedby": errorId,
    ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
  };
  return (
    <div className="space-y-1.5">
      <div className="flex items-baseline justify-between">
        <Label htmlFor={id}>
          {label}
          {f.required ? <span className="text-red-600"> *</span> : <span className="font-normal text-slate-400"> (optional)</span>}
        </Label>
        {f.maxLength !== undefined ? (
          <span className="text-[11px] tabular-nums text-slate-400">
            {text.length}/{f.maxLength}
          </span>
        ) : null}
      </div>
      {f.type === "text" ? (
        <Textarea {...common} onChange={(e) => onChange(e.target.value)} rows={4} />
      ) : (
        <Input {...common} type={f.type === "number" ? "number" : f.type === "email" ? "email" : "text"} step={f.type === "number" ? "any" : undefined} onChange={(e) => onChange(e.target.value)} />
      )}
      {f.description ? <p className="text-xs text-slate-500">{f.description}</p> : null}
      <FieldError id={errorId}>{problem ? `${label} ${problem}` : null}</FieldError>
    </div>
  );
}
