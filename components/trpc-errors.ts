import type { ProblemView } from "@/components/missions/problem-list";

/** Field problems carried by a tRPC error (our errorFormatter adds `data.problems`). */
export function errorProblems(err: unknown): ProblemView[] {
  const data = (err as { data?: { problems?: ProblemView[] } } | null)?.data;
  return Array.isArray(data?.problems) ? data.problems : [];
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
