/** One measured figure. `target` is the goal in the same unit; `better` says which way is good. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: number;
  better?: "lower" | "higher";
  notes?: string;
}
