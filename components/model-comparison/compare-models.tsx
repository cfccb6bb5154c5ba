"use client";

import Link from "next/link";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Scale } from "lucide-react";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { FieldError, Label, Textarea } from "@/components/ui/input";

/**
 * Starts a model comparison from a mission's Tests page, and lists the earlier ones: the mission's
 * published version with every Worker on each picked model, on its test cases or on one input.
 */
export function CompareModels({ missionId, canBuild }: { missionId: string; canBuild: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const past = useQuery(trpc.modelComparisons.list.queryOptions({ missionId }));
  const models = useQuery({ ...trpc.models.listForBuilder.queryOptions(), enabled: canBuild });
  const cases = useQuery(trpc.testCases.list.queryOptions({ missionId }));
  const [picked, setPicked] = useState<string[]>([]);
  const [source, setSource] = useState<"cases" | "input" | null>(null);
  const [inputText, setInputText] = useState("");
  const [inputError, setInputError] = useState<string | null>(null);
  const start = useMutation(trpc.modelComparisons.start.mutationOptions({ onSuccess: ({ comparisonId }) => router.push(`/missions/${missionId}/compare/${comparisonId}`) }));
  const caseCount = cases.data?.length ?? 0;
  const using = source ?? (caseCount > 0 ? "cases" : "input");
  const problems = errorProblems(start.error);
  const modelsError = problems.filter((p) => p.path === "models" || p.path.startsWith("models.")).map((p) => p.message).join("; ") || null;

  const submit = () => {
    setInputError(null);
    if (using === "cases") return start.mutate({ missionId, models: picked });
    let input: unknown;
    try {
      input = JSON.parse(inputText || "{}");
    } catch (e) {
      return setInputError(`is not JSON: ${(e as Error).message}`);
    }
    if (input === null || typeof input !== "object" || Array.isArray(input)) return setInputError('must be an object of the trigger\'s fields, e.g. {"orderId": "1042"}');
    start.mutate({ missionId, models: picked, input: input as Record<string, unknown> });
  };

  return (
    <section className="mx-auto max-w-4xl space-y-3 px-6 pb-8" data-testid="compare-models">
      <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <div>
          <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
            <Scale className="size-4 text-slate-500" /> Compare models
          </h2>
          <p className="text-sm text-slate-500">
            Run the published version with every Worker on each model, side by side: verdicts, outputs, tokens, cost, latency and, on test cases, the pass rate. Each is a real run of the
            version: its approvals wait in the Decision Queue.
          </p>
        </div>
        {canBuild ? (
          <>
            <fieldset className="space-y-1">
              <legend className="text-xs font-semibold uppercase tracking-wide text-slate-500">Models (two to five)</legend>
              {models.isError ? <p className="text-sm text-red-700">{models.error.message}</p> : null}
              <div className="flex flex-wrap gap-x-4 gap-y-1">
                {models.data?.map((m) => (
                  <label key={m.id} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
                    <input
                      type="checkbox"
                      checked={picked.includes(m.id)}
                      onChange={(e) => setPicked((p) => (e.target.checked ? [...p, m.id] : p.filter((x) => x !== m.id)))}
                      aria-label={`Compare ${m.id}`}
                    />
                    <span className="font-mono">{m.id}</span>
                    {m.label !== m.id ? <span className="text-slate-500">({m.label})</span> : null}
                  </label>
                ))}
              </div>
              <FieldError>{modelsError}</FieldError>
            </fieldset>
            <fieldset className="space-y-1">
              <legend className="text-xs font-semibold uppercase tracking-wide text-slate-500">On</legend>
              <label className="mr-4 inline-flex items-center gap-1.5 text-sm text-slate-700">
                <input type="radio" name="compare-on" checked={using === "cases"} disabled={caseCount === 0} onChange={() => setSource("cases")} />
                its test cases ({caseCount})
              </label>
              <label className="inline-flex items-center gap-1.5 text-sm text-slate-700">
                <input type="radio" name="compare-on" checked={using === "input"} onChange={() => setSource("input")} />
                one input
              </label>
            </fieldset>
            {using === "input" ? (
              <div className="space-y-1">
                <Label htmlFor="compare-input">Input (JSON, the trigger’s fields)</Label>
                <Textarea
                  id="compare-input"
                  rows={3}
                  className="font-mono text-xs"
                  placeholder='{"orderId": "1042", "email": "dana@example.com", "reason": "…"}'
                  value={inputText}
                  onChange={(e) => setInputText(e.target.value)}
                  aria-invalid={inputError !== null || problems.some((p) => p.path.startsWith("input"))}
                />
                <FieldError>{inputError ?? (problems.filter((p) => p.path.startsWith("input")).map((p) => `${p.path}: ${p.message}`).join("; ") || null)}</FieldError>
              </div>
            ) : null}
            {start.error && !modelsError && !problems.some((p) => p.path.startsWith("input")) ? (
              <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
                {start.error.message}
              </p>
            ) : null}
            <Button onClick={submit} disabled={start.isPending || start.isSuccess} data-testid="compare-start">
              <Scale /> {start.isPending || start.isSuccess ? "Starting…" : "Compare"}
            </Button>
          </>
        ) : null}
        {past.data?.length ? (
          <div className="space-y-1" data-testid="past-comparisons">
            <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Earlier comparisons</h3>
            <ul className="space-y-0.5 text-sm">
              {past.data.map((p) => (
                <li key={p.id}>
                  <Link href={`/missions/${missionId}/compare/${p.id}`} className="text-brand-700 hover:underline">
                    {p.models.join(" vs ")}
                  </Link>{" "}
                  <span className="text-slate-500">
                    · {p.runs} runs · {new Date(p.createdAt).toLocaleString()}
                    {p.createdByName ? ` · ${p.createdByName}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </section>
  );
}
