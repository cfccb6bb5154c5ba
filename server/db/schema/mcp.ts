import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission } from "./missions";

/**
 * A mission whose MCP tool an admin revoked (settings → MCP tools): it is not offered to AI
 * assistants, whatever its published version says, until an admin restores it (the row goes).
 */
export const mcpToolRevocation = pgTable("mcp_tool_revocation", {
  missionId: text("mission_id")
    .primaryKey()
    .references(() => mission.id, { onDelete: "cascade" }),
  revokedBy: text("revoked_by").references(() => user.id, { onDelete: "set null" }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }).notNull().defaultNow(),
});
