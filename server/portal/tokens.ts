import "server-only";
import crypto from "node:crypto";

/** 16 random bytes (128 bits), base64url: 22 characters. */
export const STATUS_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A new status token. Only the customer gets it; the database keeps its hash. */
export function newStatusToken(): string {
  return crypto.randomBytes(16).toString("base64url");
}

/**
 * sha256 of the token. A fast hash is enough: the token is 128 random bits, so there is nothing
 * to guess from the hash, and lookups stay a single indexed equality.
 */
export function hashStatusToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}
