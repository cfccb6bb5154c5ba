import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import type { Db } from "@/server/db/database";
import { apiKey, user } from "@/server/db/schema";
import { rolesOf, type SessionUser } from "./users";
import { recordAudit, type AuditActor } from "@/server/audit/record";

const KEY_PREFIX = "stw_";

export function hashApiKey(key: string): string {
  return crypto.createHash("sha256").update(key).digest("hex");
}

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  /** Whose roles the key carries; defaults to the creating admin. */
  userId: z.string().min(1).optional(),
});

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Creates a key; the plaintext is returned exactly once and only its hash is stored. */
export async function createApiKey(
  db: Db,
  raw: z.input<typeof createApiKeyInput>,
  createdBy: string,
  plaintext?: string,
): Promise<{ key: string; view: ApiKeyView }> {
  const parsed = createApiKeyInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid API key request", zodProblems(parsed.error.issues));
  const ownerId = parsed.data.userId ?? createdBy;
  const owner = await db.select({ id: user.id }).from(user).where(eq(user.id, ownerId));
  if (!owner.length) throw new AppError("bad_request", "No such user", [{ path: "userId", message: "no such user" }]);
  const key = plaintext ?? `${KEY_PREFIX}${crypto.randomBytes(24).toString("base64url")}`;
  const id = crypto.randomUUID();
  await db.insert(apiKey).values({ id, name: parsed.data.name, prefix: key.slice(0, 10), hash: hashApiKey(key), userId: ownerId });
  await recordAudit(db, { action: "api_key.created", actor: { id: createdBy }, targetType: "api_key", targetId: id, data: { name: parsed.data.name, prefix: key.slice(0, 10), userId: ownerId } });
  const view = (await listApiKeys(db)).find((k) => k.id === id);
  if (!view) throw new Error("api key vanished after insert");
  return { key, view };
}

export async function listApiKeys(db: Db): Promise<ApiKeyView[]> {
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
    .orderBy(desc(apiKey.createdAt));
  return rows.map((r) => ({
    ...r,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }));
}

export async function revokeApiKey(db: Db, id: string, actor?: AuditActor): Promise<void> {
  const res = await db.update(apiKey).set({ revokedAt: new Date() }).where(and(eq(apiKey.id, id), isNull(apiKey.revokedAt))).returning({ id: apiKey.id });
  if (!res.length) throw new AppError("not_found", `No active API key ${id}`);
  await recordAudit(db, { action: "api_key.revoked", actor, targetType: "api_key", targetId: id });
}

/** The user an API key acts as, or null for an unknown or revoked key. */
export async function userForApiKey(db: Db, key: string): Promise<SessionUser | null> {
  const [row] = await db
    .select({ keyId: apiKey.id, id: user.id, email: user.email, name: user.name })
    .from(apiKey)
    .innerJoin(user, eq(user.id, apiKey.userId))
    .where(and(eq(apiKey.hash, hashApiKey(key)), isNull(apiKey.revokedAt)));
  if (!row) return null;
  await db.update(apiKey).set({ lastUsedAt: new Date() }).where(eq(apiKey.id, row.keyId));
  return { id: row.id, email: row.email, name: row.name, roles: await rolesOf(db, row.id) };
}
