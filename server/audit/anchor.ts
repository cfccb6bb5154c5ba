import "server-only";
import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditAnchor, auditLog } from "@/server/db/schema";
import { anchorSignatureValid, signAnchor, type AnchorKey, type StoredAnchor } from "./anchor-key";
import { readLatestSinkAnchor, writeAnchorLine, type AnchorSink } from "./anchor-sink";

export type AnchorAttempt =
  | { taken: true; anchor: StoredAnchor }
  /** `refused`: the log no longer holds what an earlier anchor signed, so it is not signed again. */
  | { taken: false; refused: boolean; reason: string };

export interface TakeAnchorOptions {
  key: AnchorKey;
  sink: AnchorSink;
  /** The anchors the new one must extend; the newest in the database and in the sink when not given. */
  previous?: StoredAnchor[];
}

/**
 * Signs the chain's head and stores the anchor, in the database and in the sink. Reads the head
 * (audit_head) and never locks it, so appends do not wait for an anchor.
 *
 * A head that no longer extends the previous anchor (the entry it signed is gone or was rewritten)
 * is refused: signing it would vouch for the tampering, and the next verification should find the
 * previous anchor unmatched instead.
 */
export async function takeAnchor(database: Database, opts: TakeAnchorOptions): Promise<AnchorAttempt> {
  const [head] = await database.rows<{ id: string | number; hash: string }>(sql`select id, hash from audit_head`);
  const headId = Number(head?.id ?? 0);
  if (!head || headId === 0) return { taken: false, refused: false, reason: "the log is empty" };
  const previous = opts.previous ?? (await latestAnchors(database, opts.key, opts.sink));
  const same = previous.find((p) => p.headId === headId && p.headHash === head.hash);
  if (same) return { taken: false, refused: false, reason: `the head has not moved since anchor #${same.id}` };
  for (const p of previous) {
    const broken = await notExtended(database, p, headId);
    if (broken) return { taken: false, refused: true, reason: broken };
  }
  const signed = signAnchor(opts.key, { headId, headHash: head.hash, at: new Date().toISOString() });
  const [row] = await database.db
    .insert(auditAnchor)
    .values({ ...signed, at: new Date(signed.at) })
    .returning({ id: auditAnchor.id });
  if (!row) throw new Error("audit: the anchor was not stored");
  const anchor: StoredAnchor = { ...signed, id: row.id };
  await writeAnchorLine(opts.sink, anchor);
  return { taken: true, anchor };
}

/** Why the log at `headId` does not extend anchor `p`, or null when it does. */
async function notExtended(database: Database, p: StoredAnchor, headId: number): Promise<string | null> {
  const signed = `anchor #${p.id} signed at ${p.at}`;
  if (headId < p.headId) return `the head is at entry ${headId}, behind entry ${p.headId}, which ${signed}: entries were deleted`;
  const [entry] = await database.db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.id, p.headId));
  if (!entry) return `entry ${p.headId}, which ${signed}, is gone`;
  if (entry.hash !== p.headHash) return `entry ${p.headId} no longer has the hash ${signed}: the log was rewritten`;
  return null;
}

/** The newest anchor in the database and the newest in the sink file, each only if this key signed it. */
async function latestAnchors(database: Database, key: AnchorKey, sink: AnchorSink): Promise<StoredAnchor[]> {
  const [row] = await database.db.select().from(auditAnchor).orderBy(desc(auditAnchor.id)).limit(1);
  const found: StoredAnchor[] = row ? [{ ...row, at: row.at.toISOString() }] : [];
  if (sink.kind === "file") {
    const fromFile = await readLatestSinkAnchor(sink.path);
    if (fromFile && !(row && fromFile.id === row.id && fromFile.signature === row.signature)) found.push(fromFile);
  }
  return found.filter((a) => anchorSignatureValid(key, a));
}

export interface AnchorLoopOptions {
  key: AnchorKey;
  sink: AnchorSink;
  /** How often to anchor (when the head moved); 0 for no timer (tests call tick()). */
  intervalMs: number;
  log?: { error(message: string): void };
}

export interface AnchorLoop {
  readonly key: AnchorKey;
  readonly sink: AnchorSink;
  /** One attempt; attempts never overlap. */
  tick(): Promise<AnchorAttempt>;
  /** Stops the timer and anchors once more, so the head at shutdown is signed. */
  stop(): Promise<void>;
}

/** Anchors the head on a timer, off the append path: appends never wait for it. */
export function createAnchorLoop(database: Database, opts: AnchorLoopOptions): AnchorLoop {
  const log = opts.log ?? console;
  // The anchor this loop took last: the next one must extend it.
  let last: StoredAnchor | null = null;
  let running: Promise<AnchorAttempt> | null = null;
  let stopping: Promise<void> | null = null;
  // The last problem logged, so a lasting one is logged once, not every interval.
  let reported: string | null = null;

  const report = (message: string) => {
    if (message === reported) return;
    reported = message;
    log.error(`[audit] ${message}`);
  };

  const attempt = async (): Promise<AnchorAttempt> => {
    try {
      const result = await takeAnchor(database, { key: opts.key, sink: opts.sink, previous: last ? [last] : undefined });
      if (result.taken) {
        last = result.anchor;
        reported = null;
      } else if (result.refused) {
        report(`not anchoring the audit log: ${result.reason}. Run \`npm run audit:verify\` (or /audit → Verify chain) to see what was changed.`);
      }
      return result;
    } catch (e) {
      const reason = `could not anchor the audit log: ${e instanceof Error ? e.message : String(e)}`;
      report(reason);
      return { taken: false, refused: false, reason };
    }
  };

  const tick = () => (running ??= attempt().finally(() => (running = null)));

  const timer = opts.intervalMs > 0 ? setInterval(() => void (stopping ? undefined : tick()), opts.intervalMs) : null;
  timer?.unref();

  return {
    key: opts.key,
    sink: opts.sink,
    tick,
    stop() {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        await running;
        await tick();
      })();
      return stopping;
    },
  };
}
