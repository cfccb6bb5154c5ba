import "server-only";
import crypto from "node:crypto";
import canonicalize from "canonicalize";

/** The prev_hash of the very first entry: a chain that starts anywhere else has lost its head. */
export const GENESIS_HASH = "0".repeat(64);

/** Every field of an entry that its hash covers: all columns except the two hashes. */
export interface HashedFields {
  id: number;
  /** ISO 8601 with milliseconds, exactly as `Date#toISOString` prints the stored value. */
  at: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  runId: string | null;
  data: Record<string, unknown>;
}

/** sha256(prev_hash + canonical JSON of the fields), hex. Canonical JSON (RFC 8785) makes key order irrelevant. */
export function auditHash(prevHash: string, fields: HashedFields): string {
  const json = canonicalize({
    id: fields.id,
    at: fields.at,
    actorId: fields.actorId,
    actorLabel: fields.actorLabel,
    action: fields.action,
    targetType: fields.targetType,
    targetId: fields.targetId,
    runId: fields.runId,
    data: fields.data,
  });
  if (json === undefined) throw new Error("audit entry serialised to nothing");
  return crypto.createHash("sha256").update(prevHash + json).digest("hex");
}
