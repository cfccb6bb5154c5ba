import "server-only";
import crypto from "node:crypto";

/**
 * Requests to the serve() handler are signed exactly as an Inngest server signs them:
 * `x-inngest-signature: t=<unix seconds>&s=<hex HMAC-SHA256(key without "signkey-<env>-", body + t)>`,
 * where body is the canonical (JCS) JSON the SDK re-serialises before verifying.
 */
export function signatureHeader(signingKey: string, canonicalBody: string, now = Date.now()): string {
  const t = String(Math.floor(now / 1_000));
  const key = signingKey.replace(/^signkey-\w+-/, "");
  const s = crypto.createHmac("sha256", key).update(canonicalBody + t).digest("hex");
  return `t=${t}&s=${s}`;
}

/** A fresh key in the format the SDK expects; only this process (and its data dir) knows it. */
export function generateSigningKey(): string {
  return `signkey-embedded-${crypto.randomBytes(32).toString("hex")}`;
}
