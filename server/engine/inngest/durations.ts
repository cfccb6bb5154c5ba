import "server-only";
import { backoffMs } from "@/lib/backoff";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO_DATE = /^\d{4}-\d\d-\d\d(T|$)/;

/**
 * Milliseconds in an Inngest time string (`"30s"`, `"2h30m"`, `"1d"`), as the SDK writes them
 * for sleeps, wait timeouts and invoke timeouts. Throws on anything else, naming the input.
 */
export function durationMs(spec: string): number {
  const s = spec.trim();
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(PART)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    consumed += m[0].length;
  }
  if (!s || consumed !== s.length) throw new Error(`Invalid duration ${JSON.stringify(spec)}: expected e.g. 30s, 15m, 2h30m or 7d`);
  return total;
}

/** When a sleep or timeout given as a time string or an ISO date (`sleepUntil`) ends. */
export function dueAt(spec: string, now = Date.now()): Date {
  if (ISO_DATE.test(spec)) {
    const d = new Date(spec);
    if (Number.isNaN(d.getTime())) throw new Error(`Invalid date ${JSON.stringify(spec)}`);
    return d;
  }
  return new Date(now + durationMs(spec));
}

/** When to retry after an SDK `Retry-After` (seconds or an HTTP/ISO date), else exponential backoff. */
export function retryAt(attempt: number, retryAfter: string | null, baseMs: number, now = Date.now()): Date {
  if (retryAfter) {
    const v = retryAfter.trim();
    if (/^\d+$/.test(v)) return new Date(now + Number(v) * 1_000);
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
    try {
      return new Date(now + durationMs(v));
    } catch {
      // an unreadable header falls back to backoff below
    }
  }
  // `attempt` counts from 0: the first retry waits baseMs.
  return new Date(now + backoffMs(attempt + 1, { baseMs, maxMs: 10 * 60_000, jitter: 0.2 }));
}
