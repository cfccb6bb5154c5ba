import "server-only";
import type { Db } from "@/server/db/database";
import type { SessionUser } from "./users";

// Who an API key acts as, remembered for a moment. Without it every REST request paid three
// statements (the key with its owner, the owner's roles, and an update of last_used_at) before its
// own work; under load that was about as much database work as a run.
//
// Revoking a key or changing roles in this process forgets everything at once (forgetApiKeys), so
// here they take effect on the next request. Another replica (PostgreSQL) learns of them within
// API_KEY_CACHE_MS, the same bound as a request that was already past authentication.

/** How long a verified key is believed without asking the database again. */
export const API_KEY_CACHE_MS = 1000;
/** last_used_at is written at most this often per key: it tells people which keys are in use, not a log. */
export const LAST_USED_WRITE_MS = 60_000;

interface Entry {
  at: number;
  user: Promise<SessionUser | null>;
}

declare global {
  // Per database: tests open several in one process, and a key of one is nothing to another.
  var __stewardApiKeyCache: WeakMap<Db, Map<string, Entry>> | undefined;
  var __stewardApiKeyUsedAt: Map<string, number> | undefined;
}

const entries = (db: Db): Map<string, Entry> => {
  const all = (globalThis.__stewardApiKeyCache ??= new WeakMap());
  let map = all.get(db);
  if (!map) all.set(db, (map = new Map()));
  return map;
};

/**
 * The user `hash` acts as: from the cache while it is fresh, else from `load` (concurrent requests
 * with the same key share one load). A load that fails is not remembered.
 */
export async function cachedApiKeyUser(db: Db, hash: string, load: () => Promise<SessionUser | null>): Promise<SessionUser | null> {
  const map = entries(db);
  const now = Date.now();
  let entry = map.get(hash);
  if (!entry || now - entry.at >= API_KEY_CACHE_MS) {
    // An unknown key is not remembered: guessing keys must not fill memory.
    if (map.size > 1000) map.clear();
    entry = { at: now, user: load() };
    map.set(hash, entry);
    const mine = entry;
    mine.user.then(
      (u) => {
        if (!u && map.get(hash) === mine) map.delete(hash);
      },
      () => {
        if (map.get(hash) === mine) map.delete(hash);
      },
    );
  }
  const u = await entry.user;
  // A copy: callers must not be able to change what the next request sees.
  return u && { ...u, roles: [...u.roles], ...(u.apiKey ? { apiKey: { ...u.apiKey } } : {}) };
}

/** Forgets every remembered key, of every database: after a revocation or a change of roles. */
export function forgetApiKeys(): void {
  globalThis.__stewardApiKeyCache = new WeakMap();
}

/** True when last_used_at of key `id` is due to be written (and notes that it is being written now). */
export function lastUsedDue(id: string): boolean {
  const used = (globalThis.__stewardApiKeyUsedAt ??= new Map());
  const now = Date.now();
  const last = used.get(id);
  if (last !== undefined && now - last < LAST_USED_WRITE_MS) return false;
  if (used.size > 10_000) used.clear();
  used.set(id, now);
  return true;
}
