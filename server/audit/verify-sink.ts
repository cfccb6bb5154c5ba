import "server-only";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditAnchor, auditLog } from "@/server/db/schema";
import { anchorSignatureValid, type AnchorKey, type StoredAnchor } from "./anchor-key";
import { readLatestSinkAnchor, sinkAnchorsFromEnd, type AnchorSink } from "./anchor-sink";

// What the anchor file adds to a verification: its newest anchor, which the database may have
// lost; and, once an anchor no longer matches, the newest earlier one in the file that still does,
// to tell where the change began when the anchors in the database were deleted too.

export interface SinkView {
  /** The file's newest anchor, unless the database holds the very same (then it is checked there). */
  latest: StoredAnchor | null;
  /** Whether the database has a row with that anchor's id (if not, it was deleted there). */
  latestInDb: boolean;
  notes: string[];
}

export async function readSink(database: Database, sink: AnchorSink | null): Promise<SinkView> {
  if (sink?.kind === "stdout") {
    return {
      latest: null,
      latestInDb: false,
      notes: ["Anchors are written to stdout: to check the newest one shipped from there, run `npm run audit:verify` with STEWARD_AUDIT_ANCHOR set to a file holding those lines."],
    };
  }
  if (!sink) return { latest: null, latestInDb: false, notes: [] };
  try {
    const latest = await readLatestSinkAnchor(sink.path);
    if (!latest) return { latest: null, latestInDb: false, notes: [`The anchor file ${sink.path} holds no anchor yet.`] };
    const [row] = await database.db.select().from(auditAnchor).where(eq(auditAnchor.id, latest.id));
    const same = row && row.signature === latest.signature && row.headId === latest.headId && row.headHash === latest.headHash && row.at.toISOString() === latest.at;
    return { latest: same ? null : latest, latestInDb: Boolean(row), notes: [] };
  } catch (e) {
    return { latest: null, latestInDb: false, notes: [`The anchor file ${sink.path} could not be read (${(e as Error).message}): only the anchors in the database were checked.`] };
  }
}

const BATCH = 500;

/**
 * The newest anchor in the file, signed with `key`, for an entry after `above` and before `below`,
 * whose hash the chain still has there. Read from the end in batches (one query each), and only
 * while the file's anchors are still after `above`.
 */
export async function newestMatchingSinkAnchor(database: Database, key: AnchorKey, file: string, above: number, below: number): Promise<StoredAnchor | null> {
  let batch: StoredAnchor[] = [];
  const match = async (): Promise<StoredAnchor | null> => {
    if (batch.length === 0) return null;
    const ids = [...new Set(batch.map((a) => a.headId))];
    const rows = await database.db.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).where(inArray(auditLog.id, ids));
    const hashes = new Map(rows.map((r) => [r.id, r.hash]));
    const found = batch.find((a) => hashes.get(a.headId) === a.headHash) ?? null;
    batch = [];
    return found;
  };
  try {
    for await (const a of sinkAnchorsFromEnd(file)) {
      if (a.headId <= above) break;
      if (a.headId >= below || !anchorSignatureValid(key, a)) continue;
      batch.push(a);
      if (batch.length >= BATCH) {
        const found = await match();
        if (found) return found;
      }
    }
    return await match();
  } catch {
    // The file was readable a moment ago; a verification without this refinement is still sound.
    return null;
  }
}
