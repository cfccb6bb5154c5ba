import "server-only";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";

// Deliveries are signed the Standard Webhooks way (https://www.standardwebhooks.com): the
// `webhook-signature` header is `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`
// under the key the `whsec_…` secret encodes, so a receiver can refuse a replayed delivery by its
// timestamp, and verify with a maintained library in its own language.

/**
 * Secrets issued before Standard Webhooks: 24 random bytes in URL-safe base64, used as an HMAC key
 * character by character. Stored secrets are not rewritten: their bytes are the Standard Webhooks
 * key, and their receivers keep getting the old header until they switch.
 */
const LEGACY_SECRET = /^whsec_[A-Za-z0-9_-]{32}$/;

/** The old header: `sha256=<hex HMAC of the raw body under the whole secret text>`; no timestamp. */
export const LEGACY_SIGNATURE_HEADER = "x-steward-signature";

/**
 * A new signing secret, shown to the admin once: 32 random bytes in standard base64. Its length
 * (44 characters, padded) keeps it apart from a legacy secret.
 */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}

export function isLegacySecret(secret: string): boolean {
  return LEGACY_SECRET.test(secret);
}

/** The secret as a Standard Webhooks library reads it: a legacy secret's bytes in the standard base64 alphabet. */
export function standardSecret(secret: string): string {
  return isLegacySecret(secret) ? `whsec_${Buffer.from(secret.slice("whsec_".length), "base64url").toString("base64")}` : secret;
}

/**
 * The headers that sign one attempt of a delivery. `messageId` stays the same on every retry (the
 * receiver dedupes on it); the timestamp is the attempt's, so a retry is not refused as stale.
 */
export function signatureHeaders(secret: string, messageId: string, body: string, at: Date = new Date()): Record<string, string> {
  const headers: Record<string, string> = {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(standardSecret(secret)).sign(messageId, at, body),
  };
  if (isLegacySecret(secret)) {
    headers[LEGACY_SIGNATURE_HEADER] = `sha256=${crypto.createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
    headers["x-steward-delivery"] = messageId;
  }
  return headers;
}
