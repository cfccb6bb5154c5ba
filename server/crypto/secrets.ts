import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env } from "@/server/env";

// Secrets at rest (connector env and headers, provider API keys): AES-256-GCM, one random IV per
// value, stored as "v1:<iv>:<tag>:<ciphertext>" with base64 parts. The version prefix lets a
// later key rotation or algorithm change tell old values apart.

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_FILE = "secret.key";

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretKeyError";
  }
}

export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretDecryptError";
  }
}

export interface SecretKeySource {
  /** STEWARD_SECRET_KEY, when set. */
  envKey?: string;
  /** Set when Steward runs on PostgreSQL: then the key must come from the environment. */
  databaseUrl?: string;
  /** The embedded data dir, where a generated key is kept. */
  dataDir: string;
}

/**
 * Turns the configured key text into 32 key bytes. 64 hex chars are taken as the raw key; any other
 * text (at least 32 chars, checked by env.ts) is stretched with HKDF so a passphrase works too.
 */
export function deriveKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  return Buffer.from(crypto.hkdfSync("sha256", Buffer.from(trimmed, "utf8"), "steward", "steward secrets v1", 32));
}

/**
 * Resolves the key: the environment first; else, for the embedded database only, a key file in the
 * data dir created on first start. With PostgreSQL a generated file would be lost with the machine
 * and every stored secret with it, so a missing key is an error there.
 */
export function loadSecretKey(source: SecretKeySource): Buffer {
  if (source.envKey) return deriveKey(source.envKey);
  if (source.databaseUrl) {
    throw new SecretKeyError(
      "STEWARD_SECRET_KEY is required when DATABASE_URL is set: connector and model secrets are encrypted with it. " +
        "Generate one with `openssl rand -hex 32`, set it in the environment, and keep it safe (losing it makes stored secrets unreadable).",
    );
  }
  const file = path.join(source.dataDir, KEY_FILE);
  fs.mkdirSync(source.dataDir, { recursive: true });
  try {
    const fd = fs.openSync(file, "wx", 0o600);
    const text = crypto.randomBytes(32).toString("hex");
    fs.writeSync(fd, `${text}\n`);
    fs.closeSync(fd);
    return deriveKey(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const text = fs.readFileSync(file, "utf8").trim();
  if (text.length < 32) throw new SecretKeyError(`The key file ${file} is damaged (expected 64 hex characters).`);
  return deriveKey(text);
}

declare global {
  var __stewardSecretKey: Buffer | undefined;
}

/** The process's secret key, resolved once (on globalThis: Next loads modules once per bundle layer). */
export function secretKey(): Buffer {
  if (globalThis.__stewardSecretKey) return globalThis.__stewardSecretKey;
  const e = env();
  globalThis.__stewardSecretKey = loadSecretKey({ envKey: e.STEWARD_SECRET_KEY, databaseUrl: e.DATABASE_URL, dataDir: dataDir() });
  return globalThis.__stewardSecretKey;
}

export function encryptSecret(plain: string, key: Buffer = secretKey()): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ct.toString("base64")].join(":");
}

export function decryptSecret(stored: string, key: Buffer = secretKey()): string {
  const parts = stored.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretDecryptError("Not an encrypted secret (expected v1:<iv>:<tag>:<ciphertext>)");
  const [, ivText, tagText, ctText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, "base64");
  const tag = Buffer.from(tagText, "base64");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptError("Encrypted secret has a malformed IV or tag");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctText, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptError("Secret could not be decrypted: it was tampered with or encrypted under another STEWARD_SECRET_KEY");
  }
}

/** Encrypts a JSON value, e.g. a connector's map of env vars. */
export function encryptJson(value: unknown, key?: Buffer): string {
  return encryptSecret(JSON.stringify(value), key);
}

export function decryptJson<T>(stored: string, key?: Buffer): T {
  return JSON.parse(decryptSecret(stored, key)) as T;
}

/**
 * What the browser may see of a secret. Short values are hidden whole: showing their last four
 * characters would give most of the value away.
 */
export function maskSecret(s: string): string {
  if (s.length <= 8) return "••••";
  return `••••${s.slice(-4)}`;
}
