"use client";

import { useState } from "react";
import { errorProblems } from "@/components/trpc-errors";

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The server's field problems for a form, minus those on fields edited since: a problem stays on
 * its field until the admin changes that field or submits again.
 */
export function useFieldProblems(error: unknown, extra: readonly FieldProblem[] = []) {
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const all = [...extra, ...errorProblems(error)];
  const covers = (field: string, path: string) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
  const problems = all.filter((p) => ![...edited].some((f) => covers(f, p.path)));
  return {
    problems,
    /** All problems, edited fields included (to decide whether any were returned at all). */
    any: all.length > 0,
    at: (path: string) => problems.find((p) => p.path === path)?.message ?? null,
    /** Call when a field changes. */
    edit: (field: string) => setEdited((s) => (s.has(field) ? s : new Set(s).add(field))),
    /** Call on submit: problems from the next answer all show. */
    reset: () => setEdited(new Set()),
  };
}
