/**
 * When a Wait step wakes up, shared by its engine handler, its validation and its inspector: after
 * a duration, or at the time an expression gives (a CEL timestamp, or an ISO 8601 date string).
 */

/** The longest a Wait may wait: what a durable sleep is sure to keep (and a year is long enough to notice a mistake). */
export const MAX_WAIT_MS = 366 * 86_400_000;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO_DATE = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/;

/** Milliseconds in a mission duration (`30s`, `15m`, `24h`, `7d`), or null when it is not one. */
export function waitDurationMs(duration: string): number | null {
  const m = /^(\d+)(s|m|h|d)$/.exec(duration.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : null;
}

/** Why a duration cannot be waited, or null. */
export function durationProblem(duration: string): string | null {
  const ms = waitDurationMs(duration);
  if (ms === null) return "must be a duration like 30s, 15m, 24h or 7d";
  return ms > MAX_WAIT_MS ? "must be at most 366d" : null;
}

/** The time an `until` expression gave, or why it is not one. */
export function wakeAt(value: unknown, now: number): { ok: true; at: Date } | { ok: false; problem: string } {
  const gave = JSON.stringify(value) ?? String(value);
  if (typeof value !== "string" || !ISO_DATE.test(value.trim())) {
    return { ok: false, problem: `must give a time (a timestamp, or an ISO 8601 date such as "2026-12-07T08:00:00Z"), gave ${gave.length > 80 ? `${gave.slice(0, 79)}…` : gave}` };
  }
  const at = new Date(value.trim());
  // Date rolls a 30 February over into March: the calendar day must be one.
  const [y, mo, d] = value.trim().slice(0, 10).split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(at.getTime()) || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return { ok: false, problem: `gave ${gave}, which is not a real time` };
  if (at.getTime() - now > MAX_WAIT_MS) return { ok: false, problem: `gave ${at.toISOString()}, more than 366 days ahead` };
  return { ok: true, at };
}
