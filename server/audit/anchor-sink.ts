import "server-only";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { dataDir, env } from "@/server/env";
import type { StoredAnchor } from "./anchor-key";

/**
 * Where anchors are written besides the database: a file (JSON Lines, appended), or stdout for a
 * log shipper. Outside the data dir on purpose: restoring an old copy of the data dir, or wiping it,
 * leaves the file that proves what the log held.
 */
export type AnchorSink = { kind: "file"; path: string } | { kind: "stdout" };

export const ANCHOR_LINE_TYPE = "steward.audit_anchor";

/** STEWARD_AUDIT_ANCHOR: `stdout`, a file path, or unset for `<data dir>-audit-anchors.jsonl` next to the data dir. */
export function anchorSinkFrom(value: string | undefined, dataDirPath: string): AnchorSink {
  const dir = path.resolve(dataDirPath);
  const text = value?.trim();
  if (!text) return { kind: "file", path: `${dir}-audit-anchors.jsonl` };
  if (text === "stdout") return { kind: "stdout" };
  const file = path.resolve(text);
  const rel = path.relative(dir, file);
  if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
    throw new Error(
      `STEWARD_AUDIT_ANCHOR: must be outside the data dir ${dir} (got ${file}): restoring or deleting the data dir would take the anchors with it. ` +
        "Use a file elsewhere (e.g. /var/log/steward/audit-anchors.jsonl) or `stdout`.",
    );
  }
  return { kind: "file", path: file };
}

/** The sink this installation is configured with. */
export function configuredAnchorSink(): AnchorSink {
  return anchorSinkFrom(env().STEWARD_AUDIT_ANCHOR, dataDir());
}

export function describeSink(sink: AnchorSink): string {
  return sink.kind === "stdout" ? "stdout" : sink.path;
}

/** Appends one JSON line for the anchor. */
export async function writeAnchorLine(sink: AnchorSink, anchor: StoredAnchor): Promise<void> {
  const line = `${JSON.stringify({ type: ANCHOR_LINE_TYPE, anchor: anchor.id, headId: anchor.headId, headHash: anchor.headHash, at: anchor.at, keyId: anchor.keyId, signature: anchor.signature })}\n`;
  if (sink.kind === "stdout") {
    process.stdout.write(line);
    return;
  }
  await fs.promises.mkdir(path.dirname(sink.path), { recursive: true });
  // One write with O_APPEND: lines from several processes do not interleave.
  await fs.promises.appendFile(sink.path, line, { mode: 0o640 });
}

const lineSchema = z.object({
  type: z.literal(ANCHOR_LINE_TYPE),
  anchor: z.number().int(),
  headId: z.number().int(),
  headHash: z.string(),
  at: z.string(),
  keyId: z.string(),
  signature: z.string(),
});

/** An anchor line, also behind a log shipper's prefix (a timestamp, a container name); null for any other line. */
function parseAnchorLine(line: string): StoredAnchor | null {
  const start = line.indexOf("{");
  if (start < 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(start));
  } catch {
    return null;
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) return null;
  const { anchor, headId, headHash, at, keyId, signature } = parsed.data;
  return { id: anchor, headId, headHash, at, keyId, signature };
}

const CHUNK = 64 * 1024;

/**
 * The anchor lines of a file, newest first: read backwards from the end a chunk at a time, so the
 * newest costs one read however long the file is. Lines that are not anchors are skipped; a file
 * that does not exist holds none.
 */
export async function* sinkAnchorsFromEnd(file: string): AsyncGenerator<StoredAnchor> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    let end = (await handle.stat()).size;
    // The start of a line that began in the chunk before the one read last.
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      const data = Buffer.concat([chunk, carry]);
      const lines: Buffer[] = [];
      let from = 0;
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, from)) {
        lines.push(data.subarray(from, i));
        from = i + 1;
      }
      lines.push(data.subarray(from));
      // The first piece may be the tail of a line that starts in an earlier chunk.
      const firstWhole = start === 0 ? 0 : 1;
      for (let i = lines.length - 1; i >= firstWhole; i--) {
        const anchor = parseAnchorLine(lines[i]!.toString("utf8"));
        if (anchor) yield anchor;
      }
      carry = start === 0 ? Buffer.alloc(0) : Buffer.from(lines[0]!);
      end = start;
    }
  } finally {
    await handle.close();
  }
}

/** The newest anchor line in a file, or null when it does not exist or holds none. */
export async function readLatestSinkAnchor(file: string): Promise<StoredAnchor | null> {
  for await (const anchor of sinkAnchorsFromEnd(file)) return anchor;
  return null;
}
