import { integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission } from "./missions";
import { run } from "./runs";

/** The organisation's public face on portals. One row, id `default`. */
export const organisation = pgTable("organisation", {
  id: text("id").primaryKey().default("default"),
  name: text("name").notNull(),
  /** `#rrggbb`. */
  colour: text("colour").notNull(),
  /** An uploaded logo, base64, with its content type; or a path on this host. */
  logoData: text("logo_data"),
  logoType: text("logo_type"),
  logoUrl: text("logo_url"),
  updatedBy: text("updated_by").references(() => user.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A request made on a portal. The customer holds the status token; only its sha256 is stored, so
 * the table cannot be turned back into status links.
 */
export const portalSubmission = pgTable("portal_submission", {
  id: text("id").primaryKey(),
  tokenHash: text("token_hash").notNull().unique(),
  slug: text("slug").notNull(),
  missionId: text("mission_id")
    .notNull()
    .references(() => mission.id, { onDelete: "cascade" }),
  runId: text("run_id")
    .notNull()
    .unique()
    .references(() => run.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Submissions counted per client (a hash of its address) per fixed window. */
export const portalRateLimit = pgTable(
  "portal_rate_limit",
  {
    key: text("key").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    hits: integer("hits").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

export type OrganisationRow = typeof organisation.$inferSelect;
