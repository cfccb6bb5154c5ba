import "server-only";
import { env } from "@/server/env";
import { secretKey } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { anchorKeyFrom, type AnchorKey } from "./anchor-key";
import { configuredAnchorSink } from "./anchor-sink";
import { createAnchorLoop, type AnchorLoop } from "./anchor";
import { verifyAuditChain, type AuditVerification } from "./verify";

// The server process's anchoring: one loop per process, whichever bundle layer asks for it.

declare global {
  var __stewardAuditAnchoring: Promise<AnchorLoop> | undefined;
}

/** The anchor key of this installation, derived from its secret key. */
export function serverAnchorKey(): AnchorKey {
  return anchorKeyFrom(secretKey());
}

/**
 * Starts anchoring the audit log (boot calls it): at once, so a log changed while the server was
 * down is noticed at start, then every STEWARD_AUDIT_ANCHOR_INTERVAL_MS when the head moved.
 * Never during `next build`.
 */
export function startAuditAnchoring(): Promise<AnchorLoop> | null {
  const e = env();
  if (e.NEXT_PHASE === "phase-production-build") return null;
  globalThis.__stewardAuditAnchoring ??= (async () => {
    const { getDatabase } = await import("@/server/db/client");
    const loop = createAnchorLoop(await getDatabase(), { key: serverAnchorKey(), sink: configuredAnchorSink(), intervalMs: e.STEWARD_AUDIT_ANCHOR_INTERVAL_MS });
    void loop.tick();
    return loop;
  })().catch((err: unknown) => {
    globalThis.__stewardAuditAnchoring = undefined;
    throw err;
  });
  return globalThis.__stewardAuditAnchoring;
}

/** Anchors the head a last time (at shutdown) and stops. */
export async function stopAuditAnchoring(): Promise<void> {
  const loop = await globalThis.__stewardAuditAnchoring?.catch(() => undefined);
  await loop?.stop();
}

/**
 * Verifies the log as this server sees it: its anchors under its key, and the newest line of the
 * file its anchoring loop writes to (when the loop runs in this process).
 */
export async function verifyServerAudit(database: Database): Promise<AuditVerification> {
  const loop = await globalThis.__stewardAuditAnchoring?.catch(() => undefined);
  return verifyAuditChain(database, { key: loop?.key ?? serverAnchorKey(), sink: loop?.sink ?? null });
}
