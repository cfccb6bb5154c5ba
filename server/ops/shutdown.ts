import "server-only";

/**
 * Waits for `stop` (the engine finishing the steps it runs) at most `graceMs`: "finished" when it
 * did, "timed out" when the bound came first. A step still running then is abandoned with the
 * process; its lease expires after STEWARD_ENGINE_LEASE_MS and another replica, or the next start,
 * runs it again (steps are idempotent).
 */
export async function stopWithin(stop: () => Promise<void>, graceMs: number): Promise<"finished" | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timed out">((resolve) => {
    timer = setTimeout(() => resolve("timed out"), graceMs);
  });
  try {
    return await Promise.race([stop().then(() => "finished" as const, () => "finished" as const), bound]);
  } finally {
    clearTimeout(timer);
  }
}
