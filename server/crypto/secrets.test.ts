import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  SecretDecryptError,
  SecretKeyError,
  decryptJson,
  decryptSecret,
  deriveKey,
  encryptJson,
  encryptSecret,
  loadSecretKey,
  maskSecret,
} from "./secrets";

const key = crypto.randomBytes(32);
const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "steward-secrets-"));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("encryptSecret / decryptSecret", () => {
  it("round-trips text, including unicode and the empty string", () => {
    for (const plain of ["sk-live-1234567890", "pässwörd ✓ 🔑", "", "a:b:c"]) {
      const stored = encryptSecret(plain, key);
      expect(stored).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
      expect(stored).not.toContain(plain || "\u0000");
      expect(decryptSecret(stored, key)).toBe(plain);
    }
  });

  it("uses a fresh IV each time, so equal secrets do not look equal at rest", () => {
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("detects a tampered ciphertext, tag or IV", () => {
    const stored = encryptSecret("transfer 100 EUR", key);
    const [v, iv, tag, ct] = stored.split(":") as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, "base64");
      buf[0] = (buf[0] ?? 0) ^ 0x01;
      return buf.toString("base64");
    };
    for (const bad of [[v, iv, tag, flip(ct)], [v, iv, flip(tag), ct], [v, flip(iv), tag, ct]]) {
      expect(() => decryptSecret(bad.join(":"), key)).toThrow(SecretDecryptError);
    }
  });

  it("refuses a value encrypted under another key", () => {
    const stored = encryptSecret("hello", key);
    expect(() => decryptSecret(stored, crypto.randomBytes(32))).toThrow(/tampered with or encrypted under another/);
  });

  it("refuses text that is not an encrypted secret", () => {
    expect(() => decryptSecret("plaintext", key)).toThrow(SecretDecryptError);
    expect(() => decryptSecret("v2:a:b:c", key)).toThrow(/expected v1/);
  });

  it("round-trips JSON maps", () => {
    const env = { API_TOKEN: "t0ps3cret-value", REGION: "eu" };
    expect(decryptJson(encryptJson(env, key), key)).toEqual(env);
  });
});

describe("deriveKey", () => {
  it("takes 64 hex characters as the raw key and stretches any other text", () => {
    const hex = crypto.randomBytes(32).toString("hex");
    expect(deriveKey(hex).toString("hex")).toBe(hex);
    const stretched = deriveKey("a passphrase that is long enough to use");
    expect(stretched).toHaveLength(32);
    expect(deriveKey("a passphrase that is long enough to use").equals(stretched)).toBe(true);
  });
});

describe("loadSecretKey", () => {
  it("prefers the environment key", () => {
    const hex = crypto.randomBytes(32).toString("hex");
    const dir = tmpDir();
    expect(loadSecretKey({ envKey: hex, dataDir: dir }).toString("hex")).toBe(hex);
    expect(fs.existsSync(path.join(dir, "secret.key"))).toBe(false);
  });

  it("generates a 0600 key file on first embedded start and reads it back later", () => {
    const dir = path.join(tmpDir(), "nested", "data");
    const first = loadSecretKey({ dataDir: dir });
    const file = path.join(dir, "secret.key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    const second = loadSecretKey({ dataDir: dir });
    expect(second.equals(first)).toBe(true);
    // A value encrypted before a restart still decrypts after it.
    expect(decryptSecret(encryptSecret("kept", first), second)).toBe("kept");
  });

  it("fails clearly with DATABASE_URL and no key", () => {
    expect(() => loadSecretKey({ databaseUrl: "postgres://x@localhost/db", dataDir: tmpDir() })).toThrow(SecretKeyError);
    expect(() => loadSecretKey({ databaseUrl: "postgres://x@localhost/db", dataDir: tmpDir() })).toThrow(/STEWARD_SECRET_KEY is required when DATABASE_URL is set/);
  });
});

describe("maskSecret", () => {
  it("shows only the last four characters of long secrets and nothing of short ones", () => {
    expect(maskSecret("sk-live-abcdefgh1234")).toBe("••••1234");
    expect(maskSecret("short")).toBe("••••");
    expect(maskSecret("")).toBe("••••");
  });
});
