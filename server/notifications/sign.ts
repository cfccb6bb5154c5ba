import "server-only";
import crypto from "node:crypto";

/** The header that carries `sha256=<hex HMAC of the raw body>`. */
export const SIGNATURE_HEADER = "x-steward-signature";

export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.trim());
  return expected.length === got.length && crypto.timingSafeEqual(expected, got);
}

/** A new signing secret, shown to the admin once. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString("base64url")}`;
}
