import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { encryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";

/**
 * A mission's inbound webhook (the `webhook` channel): a URL `POST /api/v1/hooks/{hookId}` and a
 * Standard Webhooks signing secret, shown once and stored encrypted. A mission has at most one live
 * hook; rotating gives it a new secret (same URL), revoking ends it (a new one gets a new URL).
 */

export const HOOK_PATH = "/api/v1/hooks";

export interface HookView {
  id: string;
  path: string;
  createdAt: string;
  rotatedAt: string | null;
  /** Requests refused since it was created (bad signature, stale, replayed, unmappable, over the limit). */
  refused: number;
  lastRefusal: string | null;
  lastRefusedAt: string | null;
  /** Runs it started. */
  accepted: number;
}

/** The hook and its secret, right after creating or rotating it: the only time the secret is shown. */
export interface HookWithSecret extends HookView {
  secret: string;
}

/** `whsec_` + base64 of 32 random bytes, the Standard Webhooks secret format. */
function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}

interface HookRow {
  id: string;
  created_at: string;
  rotated_at: string | null;
  refused: number;
  last_refusal: string | null;
  last_refused_at: string | null;
  accepted: number;
}

const hookColumns = sql`h.id, h.created_at::text, h.rotated_at::text, h.refused, h.last_refusal, h.last_refused_at::text, h.accepted`;

function view(r: HookRow): HookView {
  return {
    id: r.id,
    path: `${HOOK_PATH}/${r.id}`,
    createdAt: new Date(r.created_at).toISOString(),
    rotatedAt: r.rotated_at ? new Date(r.rotated_at).toISOString() : null,
    refused: Number(r.refused),
    lastRefusal: r.last_refusal,
    lastRefusedAt: r.last_refused_at ? new Date(r.last_refused_at).toISOString() : null,
    accepted: Number(r.accepted),
  };
}

/** The mission's live hook, or null. */
export async function getHook(database: Database, missionId: string): Promise<HookView | null> {
  const [row] = await database.rows<HookRow>(sql`select ${hookColumns} from mission_hook h where h.mission_id = ${missionId} and h.revoked_at is null order by h.created_at desc limit 1`);
  return row ? view(row) : null;
}

async function requireMission(database: Database, missionId: string): Promise<void> {
  const [m] = await database.rows<{ archived: boolean }>(sql`select archived_at is not null as archived from mission where id = ${missionId}`);
  if (!m) throw new AppError("not_found", `No mission ${missionId}`);
  if (m.archived) throw new AppError("conflict", `Mission ${missionId} is archived: restore it to give it a webhook`);
}

/** Creates the mission's webhook URL and secret. 409 when it has a live one (rotate or revoke it). */
export async function createHook(database: Database, missionId: string, actor: AuditActor): Promise<HookWithSecret> {
  await requireMission(database, missionId);
  const secret = newSecret();
  const id = `hk_${crypto.randomBytes(15).toString("base64url")}`;
  const created = await database.db.transaction(async (tx) => {
    // One live hook per mission, checked under the mission's row lock so two clicks make one.
    await tx.execute(sql`select id from mission where id = ${missionId} for update`);
    const live = await database.rows(sql`select id from mission_hook where mission_id = ${missionId} and revoked_at is null`, tx);
    if (live.length) return false;
    await tx.execute(sql`insert into mission_hook (id, mission_id, secret, created_by) values (${id}, ${missionId}, ${encryptSecret(secret)}, ${actor.id})`);
    await recordAudit(tx, { action: "hook.created", actor, targetType: "mission", targetId: missionId, data: { hookId: id } });
    return true;
  });
  if (!created) throw new AppError("conflict", `Mission ${missionId} already has a webhook: rotate its secret or revoke it first`);
  const hook = await getHook(database, missionId);
  if (!hook) throw new AppError("internal", "The webhook was created but cannot be read back");
  return { ...hook, secret };
}

async function liveHook(database: Database, missionId: string, hookId: string): Promise<void> {
  const [h] = await database.rows<{ id: string }>(sql`select id from mission_hook where id = ${hookId} and mission_id = ${missionId} and revoked_at is null`);
  if (!h) throw new AppError("not_found", `Mission ${missionId} has no live webhook ${hookId}`);
}

/** A new secret for the same URL; requests signed with the old one are refused from now on. */
export async function rotateHook(database: Database, missionId: string, hookId: string, actor: AuditActor): Promise<HookWithSecret> {
  await requireMission(database, missionId);
  await liveHook(database, missionId, hookId);
  const secret = newSecret();
  await database.db.transaction(async (tx) => {
    // created_by names who holds the secret now: the requester of the runs the hook starts.
    await tx.execute(sql`update mission_hook set secret = ${encryptSecret(secret)}, rotated_at = now(), created_by = ${actor.id} where id = ${hookId} and revoked_at is null`);
    await recordAudit(tx, { action: "hook.rotated", actor, targetType: "mission", targetId: missionId, data: { hookId } });
  });
  const hook = await getHook(database, missionId);
  if (!hook) throw new AppError("conflict", `Webhook ${hookId} was revoked meanwhile`);
  return { ...hook, secret };
}

/** Ends the hook: its URL answers 404 from now on. */
export async function revokeHook(database: Database, missionId: string, hookId: string, actor: AuditActor): Promise<{ revoked: true }> {
  await liveHook(database, missionId, hookId);
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`update mission_hook set revoked_at = now(), revoked_by = ${actor.id} where id = ${hookId} and revoked_at is null`);
    await recordAudit(tx, { action: "hook.revoked", actor, targetType: "mission", targetId: missionId, data: { hookId } });
  });
  return { revoked: true };
}
