import "server-only";
import crypto from "node:crypto";
import canonicalize from "canonicalize";

/**
 * The key that signs audit anchors: derived from the installation's secret key (STEWARD_SECRET_KEY,
 * or the data dir's generated one), which the database never holds. Someone who can rewrite the
 * audit tables can therefore neither forge an anchor nor re-sign a rewritten head.
 */
export interface AnchorKey {
  key: Buffer;
  /** A fingerprint of the key, stored with each anchor: tells "signed with another key" apart. */
  keyId: string;
}

/** HKDF with a label of its own, so the anchor key is not the key that encrypts secrets at rest. */
export function anchorKeyFrom(secret: Buffer): AnchorKey {
  const key = Buffer.from(crypto.hkdfSync("sha256", secret, "steward", "steward audit anchors v1", 32));
  const keyId = crypto.createHmac("sha256", key).update("steward audit anchor key id").digest("hex").slice(0, 16);
  return { key, keyId };
}

/** What an anchor signs: the chain's head (its newest entry's id and hash) at a moment, under a key. */
export interface AnchorFields {
  headId: number;
  headHash: string;
  /** ISO 8601 with milliseconds. */
  at: string;
  keyId: string;
}

export interface SignedAnchor extends AnchorFields {
  /** HMAC-SHA256 over the canonical JSON of the fields, hex. */
  signature: string;
}

/** An anchor as stored: the database's row id (the sink's copy carries it too, unsigned). */
export interface StoredAnchor extends SignedAnchor {
  id: number;
}

function mac(key: Buffer, f: AnchorFields): string {
  const text = canonicalize({ type: "steward.audit_anchor.v1", headId: f.headId, headHash: f.headHash, at: f.at, keyId: f.keyId });
  if (text === undefined) throw new Error("audit anchor serialised to nothing");
  return crypto.createHmac("sha256", key).update(text).digest("hex");
}

export function signAnchor(key: AnchorKey, head: { headId: number; headHash: string; at: string }): SignedAnchor {
  const fields = { ...head, keyId: key.keyId };
  return { ...fields, signature: mac(key.key, fields) };
}

/** True only for an anchor this key signed, unchanged since. */
export function anchorSignatureValid(key: AnchorKey, anchor: SignedAnchor): boolean {
  if (anchor.keyId !== key.keyId || !/^[0-9a-f]{64}$/.test(anchor.signature)) return false;
  return crypto.timingSafeEqual(Buffer.from(mac(key.key, anchor), "hex"), Buffer.from(anchor.signature, "hex"));
}
