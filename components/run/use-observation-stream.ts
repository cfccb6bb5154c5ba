"use client";

import { useEffect, useState } from "react";
import { useTRPCClient } from "@/components/trpc-provider";
import { mergeObservations } from "./run-state";
import type { RunObservation } from "./types";

export type StreamConnection = "connecting" | "live" | "reconnecting" | "failed";

export interface ObservationStream {
  /** Every Observation received, sorted by id, each once. */
  observations: readonly RunObservation[];
  /** The backlog has been read: `observations` is the whole run so far. */
  loaded: boolean;
  connection: StreamConnection;
  error: string | null;
}

const INITIAL: ObservationStream = { observations: [], loaded: false, connection: "connecting", error: null };
const RETRY_MS = 2_000;
/** Backlog rows per `observations.list` request: a 10,000-row run is two requests. */
const BACKLOG_PAGE = 10_000;
/** Rows re-read after a reconnect: out-of-order commits are a few ids behind at most. */
const RELIST_ROWS = 500;

/**
 * The run's Observations, live. The backlog is read with `observations.list` (large JSON pages: far
 * cheaper than thousands of SSE events) while the `observations.onRun` SSE subscription opens,
 * listening from the end of the run. Once it has started (listening), the backlog is read again
 * from the recent rows on: anything committed before the stream opened is in one of those reads,
 * anything committed after comes through the stream, and rows are kept unique by id, so nothing is
 * missed or shown twice. When the connection drops, the link resumes after the last event received
 * (or, before any, opens at the end again), and the recent rows are listed again.
 * Rows arriving together are applied in one render per animation frame.
 */
export function useObservationStream(runId: string): ObservationStream {
  const client = useTRPCClient();
  // Keyed by run: another run's rows are never shown while the new stream starts.
  const [state, setState] = useState<ObservationStream & { runId: string }>({ ...INITIAL, runId });

  useEffect(() => {
    const known = new Set<number>();
    let list: readonly RunObservation[] = [];
    let pending: RunObservation[] = [];
    let frame = 0;
    let everConnected = false;
    /** The resume point of the last event: a new connection continues after it. */
    let lastEventId: string | null = null;
    let sub: { unsubscribe(): void } | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    /** The id `RELIST_ROWS` rows back from the newest held: where a reconnect re-reads from. */
    const recentFloor = () => (list.length > RELIST_ROWS ? (list[list.length - RELIST_ROWS] as RunObservation).id : 0);
    /** Every row up to this id has been read from the backlog. */
    let backlogUpTo = 0;
    const update = (patch: Partial<ObservationStream>) =>
      setState((prev) => (prev.runId === runId ? { ...prev, ...patch } : { ...INITIAL, ...patch, runId }));
    const flush = () => {
      cancelAnimationFrame(frame);
      frame = 0;
      const next = mergeObservations(list, pending, known);
      pending = [];
      if (next === list) return;
      list = next;
      update({ observations: list });
    };
    /** Reads the backlog after `from()` (asked when its turn comes: reads run one after another), a page at a time. */
    let reads = Promise.resolve();
    const readBacklog = (from: () => number) => {
      reads = reads.then(async () => {
        if (stopped) return;
        try {
          let cursor = from();
          for (;;) {
            const page = await client.observations.list.query({ runId, limit: BACKLOG_PAGE, ...(cursor ? { cursor } : {}) });
            if (stopped) return;
            pending.push(...page.items);
            backlogUpTo = Math.max(backlogUpTo, page.items.at(-1)?.id ?? 0);
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          flush();
          update({ loaded: true });
        } catch (err) {
          if (!stopped) update({ error: err instanceof Error ? err.message : String(err) });
        }
      });
    };
    const subscribe = () => {
      sub = client.observations.onRun.subscribe(lastEventId ? { runId, lastEventId } : { runId, from: "end" }, {
        onStarted() {
          // The stream now listens. Whatever committed before it opened is listed: the rest of the
          // backlog after what was read so far, and again the recent rows, where rows that
          // committed out of id order (or while a dropped connection was away) sit.
          readBacklog(() => Math.min(backlogUpTo, recentFloor()));
        },
        onData(event) {
          lastEventId = event.id;
          pending.push(event.data);
          frame ||= requestAnimationFrame(flush);
        },
        onConnectionStateChange(s) {
          if (s.state === "pending") everConnected = true;
          const connection: StreamConnection = s.state === "pending" ? "live" : everConnected ? "reconnecting" : "connecting";
          update({ connection, error: s.error?.message ?? null });
        },
        onError(err) {
          // The link gave up (e.g. a reconnect was refused): try again from where we were, unless
          // the run itself is the problem.
          const final = /NOT_FOUND|UNAUTHORIZED|FORBIDDEN|BAD_REQUEST/.test(`${err.data?.code ?? ""} ${err.message}`);
          update({ connection: final ? "failed" : "reconnecting", error: err.message });
          if (!final && !stopped) retry = setTimeout(subscribe, RETRY_MS);
        },
      });
    };
    // The bulk of the backlog is read while the stream connects; `onStarted` reads what that missed.
    readBacklog(() => 0);
    subscribe();
    return () => {
      stopped = true;
      clearTimeout(retry);
      sub?.unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [client, runId]);

  return state.runId === runId ? state : INITIAL;
}
