import "server-only";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import type { RunStatus } from "@/server/db/schema";
import { observationBus, RUN_ENDED } from "@/server/observations/record";
import { ensureObservationListener } from "@/server/observations/subscribe";

/** The longest a start request waits for its run (a longer request is capped to this). */
export const MAX_RUN_WAIT_SECONDS = 30;

/** How often a waiting request reads its run's status when nothing announced its end. */
const SAFETY_READ_MS = 1000;

const ENDED: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];

export const runHasEnded = (status: RunStatus): boolean => ENDED.includes(status);

export interface RequestedWait {
  /** How long to wait, already capped; 0 means not at all. */
  ms: number;
  /** The `Preference-Applied` value to answer with (`wait=<seconds>`), or null when the Prefer header did not ask. */
  applied: string | null;
}

/**
 * How long a start request asks to wait for its run: `?wait=5s` (also `5`, `1500ms`), else RFC 7240
 * `Prefer: wait=5` (delta-seconds). Both are capped at MAX_RUN_WAIT_SECONDS. A malformed query
 * value is the caller's mistake in our own API (400 naming `query.wait`); a `Prefer` preference we
 * cannot read is ignored, as RFC 7240 §2 requires of a server.
 */
export function requestedWait(req: Request): RequestedWait {
  const query = new URL(req.url).searchParams.get("wait");
  if (query !== null) {
    const m = /^(\d{1,9})(ms|s)?$/.exec(query.trim());
    if (!m) {
      throw new AppError("bad_request", `wait must be a duration such as 5s or 1500ms (at most ${MAX_RUN_WAIT_SECONDS}s), not "${query.slice(0, 40)}"`, [
        { path: "query.wait", message: "must be seconds (5, 5s) or milliseconds (1500ms)" },
      ]);
    }
    const ms = Number(m[1]) * (m[2] === "ms" ? 1 : 1000);
    return { ms: Math.min(ms, MAX_RUN_WAIT_SECONDS * 1000), applied: null };
  }
  const seconds = preferredWait(req.headers.get("prefer"));
  if (seconds === null || seconds === 0) return { ms: 0, applied: null };
  const capped = Math.min(seconds, MAX_RUN_WAIT_SECONDS);
  return { ms: capped * 1000, applied: `wait=${capped}` };
}

/**
 * The `wait` preference of a Prefer header (several Prefer headers arrive joined by commas):
 * `wait=10`, `wait="10"`, any case, parameters after `;` ignored. The first `wait` counts
 * (RFC 7240 §2); null when there is none or its value is not delta-seconds.
 */
export function preferredWait(header: string | null): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const [token = ""] = preference.split(";");
    const at = token.indexOf("=");
    const name = (at < 0 ? token : token.slice(0, at)).trim().toLowerCase();
    if (name !== "wait") continue;
    const value = at < 0 ? "" : token.slice(at + 1).trim().replace(/^"(.*)"$/, "$1");
    return /^\d{1,9}$/.test(value) ? Number(value) : null;
  }
  return null;
}

/**
 * Resolves with the run as `read` read it once it has ended (by default its status alone), or null
 * when `ms` runs out (or `signal` aborts: the client went away) first; the caller then reads the
 * run once, which also catches an end written at the last moment. A caller that answers with the
 * whole run passes its own `read`, so the read that sees the end is the answer's (one statement
 * fewer per waited run); `read` runs once the end is announced, or once a status read saw it.
 *
 * No polling: it listens for the run's end (RUN_ENDED on the in-process bus, announced by this
 * process once the end has committed, and on PostgreSQL by the NOTIFY of every replica as well).
 * It used to read on each of the run's Observations, which made about as many statements as the
 * run's own. Hints that arrive while a read is in flight coalesce into one more read. Listening
 * starts before the first read, so an end written at any moment is seen; a read every
 * SAFETY_READ_MS covers an end announced by no path (a replica whose LISTEN failed).
 *
 * `justStarted`: the caller started the run and calls this without awaiting anything since. The run
 * cannot have ended yet: its end is many awaited statements away, and listening starts in this call
 * before anything is awaited. The first read is then skipped, one statement fewer per waited run.
 */
export async function waitForRunEnd<T extends { status: RunStatus } = { status: RunStatus }>(
  database: Database,
  runId: string,
  ms: number,
  signal?: AbortSignal,
  read: () => Promise<T | undefined> = async () => (await database.rows<T>(sql`select status from run where id = ${runId}`))[0],
  { justStarted = false }: { justStarted?: boolean } = {},
): Promise<T | null> {
  const bus = observationBus();
  let reading = false;
  let again = false;
  let settle: (run: T | null) => void = () => {};
  const result = new Promise<T | null>((resolve) => (settle = resolve));
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let safety: ReturnType<typeof setInterval> | undefined;

  const finish = (run: T | null) => {
    if (finished) return;
    finished = true;
    bus.off(runId, onObservation);
    signal?.removeEventListener("abort", onAbort);
    clearTimeout(timer);
    clearInterval(safety);
    settle(run);
  };
  const readStatus = async () => (await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`))[0];
  // Unannounced (the first read, the safety reads), the status alone is read first: the run has
  // usually not ended yet, and `read` may read much more.
  const readEnded = async (announced: boolean): Promise<T | null> => {
    if (!announced) {
      const row = await readStatus();
      if (!row || !runHasEnded(row.status)) return null;
    }
    const row = await read();
    return row && runHasEnded(row.status) ? row : null;
  };
  let againAnnounced = false;
  const check = (announced = false) => {
    if (finished) return;
    if (reading) {
      again = true;
      againAnnounced ||= announced;
      return;
    }
    reading = true;
    again = false;
    const next = () => {
      reading = false;
      if (!again) return;
      const a = againAnnounced;
      againAnnounced = false;
      check(a);
    };
    readEnded(announced).then(
      (run) => {
        if (run) {
          reading = false;
          finish(run);
        } else next();
      },
      // A failed read is retried by the next hint, and the deadline reads once more.
      next,
    );
  };
  const onObservation = (_id: unknown, hint?: unknown) => {
    if (hint === RUN_ENDED) check(true);
  };
  const onAbort = () => finish(null);

  bus.on(runId, onObservation);
  signal?.addEventListener("abort", onAbort);
  if (signal?.aborted) finish(null);
  try {
    // Runs executed by another replica announce themselves through NOTIFY only (PostgreSQL).
    if (database.driver === "postgres" && !finished) await ensureObservationListener(database);
  } catch {
    // Without LISTEN the in-process hints and the read at the deadline still answer.
  }
  if (!justStarted) check();
  if (!finished) {
    timer = setTimeout(() => finish(null), ms);
    safety = setInterval(() => check(), SAFETY_READ_MS);
  }
  return result;
}
