import "server-only";
import crypto from "node:crypto";
import { and, asc, desc, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import type { Db } from "@/server/db/database";
import { apiKey, auditLog, user } from "@/server/db/schema";
import { rolesOf, type SessionUser } from "./users";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { cachedApiKeyUser, forgetApiKeys, lastUsedDue } from "./api-key-cache";

// A key acts as the user who created it, with that user's roles as they are at each request, and
// nothing more: nobody can mint a key that acts as someone else. (Admins once could, which let
// one admin cast both votes of a four-eyes decision; see docs/security.md, finding 6.)

const KEY_PREFIX = "stw_";
/** How many characters of a key are kept in clear: `stw_` and 6 more, enough to tell keys apart. */
const PREFIX_LENGTH = 10;

export function hashApiKey(key: string): string {
  return crypto.createHash("sha256").update(key).digest("hex");
}

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
});

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  /** The owner: the key acts as this user. */
  userId: string;
  userEmail: string;
  /**
   * Who created it, when that was someone other than its owner: only keys an admin minted for
   * another user before keys became the creator's own (read from the `api_key.created` audit entry).
   */
  createdBy: { id: string; email: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Creates a key for `ownerId`, who is the one creating it; the plaintext is returned exactly once, only its hash is stored. */
export async function createApiKey(
  db: Db,
  raw: z.input<typeof createApiKeyInput>,
  ownerId: string,
  plaintext?: string,
): Promise<{ key: string; view: ApiKeyView }> {
  const parsed = createApiKeyInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid API key request", zodProblems(parsed.error.issues));
  const owner = await db.select({ id: user.id }).from(user).where(eq(user.id, ownerId));
  if (!owner.length) throw new AppError("not_found", `No user ${ownerId}`);
  const key = plaintext ?? `${KEY_PREFIX}${crypto.randomBytes(24).toString("base64url")}`;
  const id = crypto.randomUUID();
  const prefix = key.slice(0, PREFIX_LENGTH);
  await db.insert(apiKey).values({ id, name: parsed.data.name, prefix, hash: hashApiKey(key), userId: ownerId });
  await recordAudit(db, { action: "api_key.created", actor: { id: ownerId }, targetType: "api_key", targetId: id, data: { name: parsed.data.name, prefix, userId: ownerId } });
  const [view] = await listApiKeys(db, { id });
  if (!view) throw new Error("api key vanished after insert");
  return { key, view };
}

/** Keys, newest first: every key, or one user's (`userId`), or one key (`id`). */
export async function listApiKeys(db: Db, filter: { userId?: string; id?: string } = {}): Promise<ApiKeyView[]> {
  const where = and(filter.userId ? eq(apiKey.userId, filter.userId) : undefined, filter.id ? eq(apiKey.id, filter.id) : undefined);
  const rows = await db
    .select({
      id: apiKey.id,
      name: apiKey.name,
      prefix: apiKey.prefix,
      userId: apiKey.userId,
      userEmail: user.email,
      createdAt: apiKey.createdAt,
      lastUsedAt: apiKey.lastUsedAt,
      revokedAt: apiKey.revokedAt,
    })
    .from(apiKey)
    .innerJoin(user, eq(user.id, apiKey.userId))
    .where(where)
    .orderBy(desc(apiKey.createdAt));
  const creators = await creatorsOf(db, rows);
  return rows.map((r) => ({
    ...r,
    createdBy: creators.get(r.id) ?? null,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }));
}

/** The creators of keys made for someone else, from their `api_key.created` entries (the key row does not record it). */
async function creatorsOf(db: Db, keys: { id: string; userId: string }[]): Promise<Map<string, { id: string; email: string }>> {
  if (!keys.length) return new Map();
  const created = await db
    .select({ keyId: auditLog.targetId, actorId: auditLog.actorId, email: user.email })
    .from(auditLog)
    .innerJoin(user, eq(user.id, auditLog.actorId))
    .where(and(eq(auditLog.action, "api_key.created"), eq(auditLog.targetType, "api_key"), inArray(auditLog.targetId, keys.map((k) => k.id))))
    .orderBy(asc(auditLog.id));
  const owners = new Map(keys.map((k) => [k.id, k.userId]));
  const out = new Map<string, { id: string; email: string }>();
  for (const c of created) {
    if (!c.keyId || !c.actorId || out.has(c.keyId) || owners.get(c.keyId) === c.actorId) continue;
    out.set(c.keyId, { id: c.actorId, email: c.email });
  }
  return out;
}

/** Revokes a key; with `ownerId`, only a key of that user (anyone else's is "not found"). */
export async function revokeApiKey(db: Db, id: string, actor?: AuditActor, opts: { ownerId?: string } = {}): Promise<void> {
  const res = await db
    .update(apiKey)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKey.id, id), isNull(apiKey.revokedAt), opts.ownerId ? eq(apiKey.userId, opts.ownerId) : undefined))
    .returning({ id: apiKey.id });
  if (!res.length) throw new AppError("not_found", `No active API key ${id}`);
  forgetApiKeys();
  await recordAudit(db, { action: "api_key.revoked", actor, targetType: "api_key", targetId: id });
}

/**
 * The user an API key acts as, with the key itself (for the audit log), or null for an unknown or
 * revoked key. Remembered for API_KEY_CACHE_MS (api-key-cache.ts); revoking a key here forgets it at once.
 */
export function userForApiKey(db: Db, key: string): Promise<SessionUser | null> {
  return cachedApiKeyUser(db, hashApiKey(key), () => loadApiKeyUser(db, key));
}

async function loadApiKeyUser(db: Db, key: string): Promise<SessionUser | null> {
  const [row] = await db
    .select({ keyId: apiKey.id, prefix: apiKey.prefix, keyName: apiKey.name, id: user.id, email: user.email, name: user.name })
    .from(apiKey)
    .innerJoin(user, eq(user.id, apiKey.userId))
    .where(and(eq(apiKey.hash, hashApiKey(key)), isNull(apiKey.revokedAt)));
  if (!row) return null;
  if (lastUsedDue(row.keyId)) await db.update(apiKey).set({ lastUsedAt: new Date() }).where(eq(apiKey.id, row.keyId));
  return { id: row.id, email: row.email, name: row.name, roles: await rolesOf(db, row.id), apiKey: { id: row.keyId, prefix: row.prefix, name: row.keyName } };
}
