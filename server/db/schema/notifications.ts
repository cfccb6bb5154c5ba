import { index, integer, jsonb, pgTable, text, timestamp, boolean, uniqueIndex } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { decision } from "./decisions";

/** Where a role's decision notifications go: one outgoing webhook, its body signed with `secret`. */
export const notificationWebhook = pgTable("notification_webhook", {
  id: text("id").primaryKey(),
  /** Decisions that this role may decide are sent here. */
  role: text("role", { enum: ["admin", "builder", "approver", "viewer"] }).notNull(),
  url: text("url").notNull(),
  description: text("description").notNull().default(""),
  /** The HMAC-SHA256 signing secret, encrypted (server/crypto/secrets.ts). */
  secret: text("secret").notNull(),
  /** The first characters of the secret, to tell secrets apart without revealing them. */
  secretPrefix: text("secret_prefix").notNull(),
  enabled: boolean("enabled").notNull().default(true),
  createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One notification to one webhook, retried with exponential backoff until delivered or out of attempts. */
export const notificationDelivery = pgTable(
  "notification_delivery",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => notificationWebhook.id, { onDelete: "cascade" }),
    /** Null for a test ping. */
    decisionId: text("decision_id").references(() => decision.id, { onDelete: "cascade" }),
    /** The role the decision was assigned to when this was queued: an escalation queues a new one. */
    role: text("role").notNull(),
    type: text("type").notNull(),
    body: jsonb("body").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("notification_delivery_once").on(t.webhookId, t.decisionId, t.role),
    index("notification_delivery_due").on(t.status, t.nextAttemptAt),
  ],
);

export type NotificationWebhookRow = typeof notificationWebhook.$inferSelect;
export type NotificationDeliveryRow = typeof notificationDelivery.$inferSelect;
