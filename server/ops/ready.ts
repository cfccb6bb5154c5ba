import "server-only";
import { getDatabase } from "@/server/db/client";
import type { Database } from "@/server/db/database";
import { checkReadiness, DATABASE_PROBE_MS, type EngineStatus, type Readiness } from "./readiness";

/**
 * This process's engine as server/boot/engine-start.ts leaves it on globalThis (set once started,
 * cleared when a shutdown begins). Read here rather than imported: the route need not load the engine.
 */
function engineStatus(): EngineStatus | null {
  const engine = globalThis.__stewardEngineStarted;
  if (!engine) return null;
  return { mode: engine.mode, running: engine.mode !== "embedded" || (engine.executor?.running ?? false) };
}

/** The process database once it is open; null while it is still opening or failed to (bounded). */
async function openedDatabase(): Promise<Database | null> {
  let timer: NodeJS.Timeout | undefined;
  const notYet = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), DATABASE_PROBE_MS);
  });
  try {
    return await Promise.race([getDatabase(), notYet]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** GET /api/ready: this process, now. */
export async function readinessNow(): Promise<Readiness> {
  return checkReadiness(await openedDatabase(), engineStatus());
}
