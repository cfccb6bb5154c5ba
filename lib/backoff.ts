/**
 * The wait before retry `n` (n ≥ 1): base, 2·base, 4·base… capped at `maxMs`. With `jitter`
 * (0.2 = ±20%) the wait is spread around that, so many failing callers do not retry in lockstep.
 * The one backoff formula: the engine's step retries, webhook deliveries and model calls use it.
 */
export function backoffMs(n: number, opts: { baseMs: number; maxMs: number; jitter?: number }, random: () => number = Math.random): number {
  const capped = Math.min(opts.baseMs * 2 ** Math.max(0, n - 1), opts.maxMs);
  return opts.jitter ? capped * (1 - opts.jitter + random() * 2 * opts.jitter) : capped;
}
