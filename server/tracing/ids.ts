import "server-only";
import { createHash } from "node:crypto";

// A run's trace and span ids are derived from what the engine records, never drawn at random:
// whichever process exports a run (after a restart, on another replica, a second time) gives
// the same ids, so spans stitch together and a repeat replaces rather than duplicates.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO = /^0+$/;

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The run's trace id: its UUID's 32 hex digits (so a trace id reads back as the run id), else
 * the first 32 hex digits of a SHA-256 of the id. Never the all-zero id OTLP rejects.
 */
export function traceIdOf(runId: string): string {
  if (UUID.test(runId)) {
    const hex = runId.replaceAll("-", "").toLowerCase();
    if (!ZERO.test(hex)) return hex;
  }
  return digest(`steward.trace:${runId}`).slice(0, 32);
}

/** The run id a trace id stands for, when the run id is a UUID (every run the app starts). */
export function runIdOfTrace(traceId: string): string | null {
  if (!/^[0-9a-f]{32}$/i.test(traceId)) return null;
  const h = traceId.toLowerCase();
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return UUID.test(id) ? id : null;
}

/** A span's id within the run's trace: 16 hex digits of a SHA-256 of the run id and the span's key. */
export function spanIdOf(runId: string, key: string): string {
  const id = digest(`steward.span:${runId}\n${key}`).slice(0, 16);
  return ZERO.test(id) ? "0000000000000001" : id;
}
