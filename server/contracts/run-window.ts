import "server-only";

/**
 * A run that makes no progress for this long is failed by the sweeper; waits extend it. Shared
 * by the engine (which sets and extends deadlines) and decisions (a decision's due time extends
 * its run's), so neither imports the other for it.
 */
export const PROGRESS_WINDOW_MS = 60 * 60_000;
