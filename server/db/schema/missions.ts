import { boolean, index, integer, jsonb, pgTable, text, timestamp, unique } from "drizzle-orm/pg-core";
import type { MissionGraph } from "@/lib/mission/schema";
import { user } from "./auth";

export const mission = pgTable("mission", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  /** The working copy the editor autosaves; versions are immutable snapshots of it. */
  draft: jsonb("draft").$type<MissionGraph>().notNull(),
  draftUpdatedAt: timestamp("draft_updated_at", { withTimezone: true }).notNull().defaultNow(),
  latestVersion: integer("latest_version").notNull().default(0),
  /** The version runs use (version_review says how it got there); null until one is published. */
  publishedVersion: integer("published_version"),
  createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  archivedAt: timestamp("archived_at", { withTimezone: true }),
  /** A version may be published only when its test suite passed in simulation (docs/testing-missions.md). */
  requirePassingSuite: boolean("require_passing_suite").notNull().default(false),
});

export const missionVersion = pgTable(
  "mission_version",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    graph: jsonb("graph").$type<MissionGraph>().notNull(),
    /** sha256 of the canonical JSON of the graph. */
    contentHash: text("content_hash").notNull(),
    message: text("message").notNull().default(""),
    authorId: text("author_id").references(() => user.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("mission_version_number").on(t.missionId, t.number), index("mission_version_mission").on(t.missionId)],
);
