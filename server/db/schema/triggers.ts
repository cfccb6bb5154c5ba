import { boolean, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission, missionVersion } from "./missions";

/**
 * A mission's schedule switch, apart from its versions: pausing and resuming needs no new version.
 * The schedule itself (cron, zone, input) is in the published version's trigger.
 */
export const missionSchedule = pgTable("mission_schedule", {
  missionId: text("mission_id")
    .primaryKey()
    .references(() => mission.id, { onDelete: "cascade" }),
  paused: boolean("paused").notNull().default(false),
  changedBy: text("changed_by").references(() => user.id, { onDelete: "set null" }),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One firing of a mission's schedule, claimed before its run starts: the primary key makes each
 * firing start one run, whatever the number of schedulers or restarts. The run id is chosen at the
 * claim, so a claim whose run was never created (a crash in between) is started again with it.
 */
export const scheduleFiring = pgTable(
  "schedule_firing",
  {
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    fireAt: timestamp("fire_at", { withTimezone: true }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => missionVersion.id, { onDelete: "cascade" }),
    runId: text("run_id").notNull().unique(),
    claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull().defaultNow(),
    /** Why its run could not start (the version no longer runs, its input does not fit): not tried again. */
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.missionId, t.fireAt] })],
);

/**
 * An inbound webhook URL of a mission (`POST /api/v1/hooks/{id}`). The signing secret is shown
 * once and stored encrypted (server/crypto/secrets.ts). A revoked hook answers nothing.
 */
export const missionHook = pgTable(
  "mission_hook",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    secret: text("secret").notNull(),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    rotatedAt: timestamp("rotated_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: text("revoked_by").references(() => user.id, { onDelete: "set null" }),
    /** Runs it started, and requests it refused (bad signature, stale, replayed, unmappable), for the editor. */
    accepted: integer("accepted").notNull().default(0),
    refused: integer("refused").notNull().default(0),
    lastRefusal: text("last_refusal"),
    lastRefusedAt: timestamp("last_refused_at", { withTimezone: true }),
  },
  (t) => [index("mission_hook_mission").on(t.missionId)],
);

/**
 * Message ids (`webhook-id`) a hook accepted, kept until their timestamp is out of the tolerance
 * window (`expires_at`): until then a replay is refused by its id, afterwards by its timestamp.
 */
export const hookMessage = pgTable(
  "hook_message",
  {
    hookId: text("hook_id")
      .notNull()
      .references(() => missionHook.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.hookId, t.messageId] }), index("hook_message_expires").on(t.expiresAt)],
);
