import "server-only";
import crypto from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import { roleSchema, type Role } from "@/lib/mission/schema";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { encryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { notificationDelivery, notificationWebhook, type DeliveryStatus } from "@/server/db/schema";
import { newWebhookSecret } from "./sign";

/** A webhook as admins see it: never the secret, only its first characters. */
export interface WebhookView {
  id: string;
  role: Role;
  url: string;
  description: string;
  secretPrefix: string;
  enabled: boolean;
  createdAt: string;
  /** Deliveries by status, for the settings table. */
  deliveries: Record<DeliveryStatus, number>;
  lastDelivery: { status: DeliveryStatus; at: string; lastStatus: number | null; lastError: string | null } | null;
}

export const createWebhookInput = z.object({
  role: roleSchema,
  url: z
    .string()
    .trim()
    .max(2_000, "must be at most 2000 characters")
    .url("must be a URL like https://hooks.example.com/steward")
    .refine((u) => /^https?:\/\//i.test(u), "must start with http:// or https://"),
  description: z.string().trim().max(200, "must be at most 200 characters").default(""),
});
export type CreateWebhookInput = z.input<typeof createWebhookInput>;

function parse<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.output<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new AppError("bad_request", `Invalid ${what}`, zodProblems(r.error.issues));
  return r.data;
}

/** Creates a webhook and returns its signing secret: the only time it is shown. */
export async function createWebhook(database: Database, raw: CreateWebhookInput, actor: AuditActor): Promise<{ webhook: WebhookView; secret: string }> {
  const input = parse(createWebhookInput, raw, "webhook");
  const id = `wh_${crypto.randomBytes(9).toString("base64url")}`;
  const secret = newWebhookSecret();
  await database.db.transaction(async (tx) => {
    await tx.insert(notificationWebhook).values({
      id,
      role: input.role,
      url: input.url,
      description: input.description,
      secret: encryptSecret(secret),
      secretPrefix: secret.slice(0, 10),
      createdBy: actor.id,
    });
    // Decision details leave Steward through this URL: who pointed them where is worth a record.
    await recordAudit(tx, { action: "notification_webhook.created", actor, targetType: "notification_webhook", targetId: id, data: { role: input.role, url: input.url } });
  });
  return { webhook: await getWebhook(database, id), secret };
}

export async function getWebhook(database: Database, id: string): Promise<WebhookView> {
  const [view] = await listWebhooks(database, id);
  if (!view) throw new AppError("not_found", `No webhook ${id}`);
  return view;
}

export async function listWebhooks(database: Database, onlyId?: string): Promise<WebhookView[]> {
  const rows = await database.db
    .select()
    .from(notificationWebhook)
    .where(onlyId ? eq(notificationWebhook.id, onlyId) : undefined)
    .orderBy(notificationWebhook.role, notificationWebhook.createdAt);
  if (!rows.length) return [];
  const counts = await database.rows<{ webhook_id: string; status: DeliveryStatus; n: number }>(
    sql`select webhook_id, status, count(*)::int as n from notification_delivery group by webhook_id, status`,
  );
  const last = await database.rows<{ webhook_id: string; status: DeliveryStatus; at: string; last_status: number | null; last_error: string | null }>(
    sql`select distinct on (webhook_id) webhook_id, status, coalesce(delivered_at, created_at)::text as at, last_status, last_error
        from notification_delivery order by webhook_id, created_at desc, id`,
  );
  return rows.map((w) => {
    const deliveries: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const c of counts) if (c.webhook_id === w.id) deliveries[c.status] = Number(c.n);
    const l = last.find((x) => x.webhook_id === w.id);
    return {
      id: w.id,
      role: w.role,
      url: w.url,
      description: w.description,
      secretPrefix: w.secretPrefix,
      enabled: w.enabled,
      createdAt: w.createdAt.toISOString(),
      deliveries,
      lastDelivery: l ? { status: l.status, at: new Date(l.at).toISOString(), lastStatus: l.last_status, lastError: l.last_error } : null,
    };
  });
}

export async function setWebhookEnabled(database: Database, id: string, enabled: boolean, actor: AuditActor): Promise<WebhookView> {
  await database.db.transaction(async (tx) => {
    const updated = await tx
      .update(notificationWebhook)
      .set({ enabled, updatedAt: new Date() })
      .where(eq(notificationWebhook.id, id))
      .returning({ id: notificationWebhook.id });
    if (!updated.length) throw new AppError("not_found", `No webhook ${id}`);
    await recordAudit(tx, { action: enabled ? "notification_webhook.enabled" : "notification_webhook.disabled", actor, targetType: "notification_webhook", targetId: id });
  });
  return getWebhook(database, id);
}

export async function deleteWebhook(database: Database, id: string, actor: AuditActor): Promise<{ id: string }> {
  await database.db.transaction(async (tx) => {
    const gone = await tx.delete(notificationWebhook).where(eq(notificationWebhook.id, id)).returning({ url: notificationWebhook.url, role: notificationWebhook.role });
    if (!gone[0]) throw new AppError("not_found", `No webhook ${id}`);
    await recordAudit(tx, { action: "notification_webhook.removed", actor, targetType: "notification_webhook", targetId: id, data: { role: gone[0].role, url: gone[0].url } });
  });
  return { id };
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  decisionId: string | null;
  type: string;
  role: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Newest first. */
export async function listDeliveries(database: Database, opts: { webhookId?: string; limit?: number } = {}): Promise<DeliveryView[]> {
  const rows = await database.db
    .select()
    .from(notificationDelivery)
    .where(opts.webhookId ? eq(notificationDelivery.webhookId, opts.webhookId) : undefined)
    .orderBy(desc(notificationDelivery.createdAt), notificationDelivery.id)
    .limit(Math.min(Math.max(opts.limit ?? 50, 1), 200));
  return rows.map((r) => ({
    id: r.id,
    webhookId: r.webhookId,
    decisionId: r.decisionId,
    type: r.type,
    role: r.role,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt.toISOString(),
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
  }));
}
