import "server-only";
import { inArray } from "drizzle-orm";
import { decryptJson } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { connector } from "@/server/db/schema";

// A server's own words can carry a connector's secrets: a stdio server that prints its env (to
// stderr, or as a tool result — server-everything's get-env does), an HTTP server that echoes a
// header. Whatever a server says is scrubbed of its connector's secret values before it is shown,
// stored in an Observation or sent to a model.

const MASK = "••••";
const MIN_SCRUB_LENGTH = 6;

type StoredSecrets = { env: string | null; headers: string | null };

/** The decrypted env and header values of these connector rows, longest first. */
export function secretValuesOf(rows: readonly StoredSecrets[]): string[] {
  const values = new Set<string>();
  for (const row of rows) {
    for (const stored of [row.env, row.headers]) {
      if (!stored) continue;
      let map: Record<string, string>;
      try {
        map = decryptJson<Record<string, string>>(stored);
      } catch {
        continue; // unreadable secrets are unreadable everywhere: nothing to scrub
      }
      for (const v of Object.values(map)) {
        // Shorter values would mangle ordinary text (dates, numbers) wherever they happen to occur.
        if (v.length < MIN_SCRUB_LENGTH) continue;
        values.add(v);
        // "Bearer abc…": a server may echo just the token.
        for (const part of v.split(/\s+/)) if (part.length >= 8) values.add(part);
      }
    }
  }
  // Longest first, so a value containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** The decrypted env and header values of the given connectors (all when `ids` is omitted). */
export async function connectorSecretValues(database: Database, ids?: string[]): Promise<string[]> {
  const cols = { env: connector.secretEnv, headers: connector.secretHeaders };
  const rows = ids ? await database.db.select(cols).from(connector).where(inArray(connector.id, ids)) : await database.db.select(cols).from(connector);
  return secretValuesOf(rows);
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** Every string inside `value` (keys included) with the secrets masked, except under the `keep` keys. */
export function redactDeepExcept<T>(value: T, secrets: readonly string[], keep: ReadonlySet<string> = new Set()): T {
  if (!secrets.length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => (keep.has(k) ? [k, x] : [redactText(k, secrets), walk(x)])));
    }
    return v;
  };
  return walk(value) as T;
}

/** The admin's own connector configuration, shown as entered (see redactDeep). */
const ADMIN_CONFIG_KEYS = new Set(["stdio", "http"]);

/**
 * Every string inside `value` (keys included) with the secrets masked, except under `stdio` and
 * `http`: that is the admin's own configuration (command, args, URL, masked entries), shown as
 * entered even where an argument happens to equal a secret.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return redactDeepExcept(value, secrets, ADMIN_CONFIG_KEYS);
}
