import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type { ToolAnnotations } from "@/server/connectors/tool-port";
import { user } from "./auth";

export const CONNECTOR_TRANSPORTS = ["stdio", "http", "sse"] as const;
export type ConnectorTransport = (typeof CONNECTOR_TRANSPORTS)[number];

export const TOOL_POLICIES = ["autonomous", "gated", "disallowed"] as const;
export const TOOL_STATUSES = ["approved", "changed", "new", "removed"] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];

/** The non-secret part of a connector's configuration: safe to show and to log. */
export interface ConnectorConfig {
  /** stdio */
  command?: string;
  args?: string[];
  cwd?: string;
  /** http, sse */
  url?: string;
}

export const connector = pgTable("connector", {
  id: text("id").primaryKey(),
  /** The `<connector>` part of tool refs in missions: lowercase identifier, unique. */
  name: text("name").notNull().unique(),
  transport: text("transport", { enum: CONNECTOR_TRANSPORTS }).notNull(),
  config: jsonb("config").$type<ConnectorConfig>().notNull(),
  /** Encrypted JSON object of env vars for stdio servers (server/crypto/secrets.ts). */
  secretEnv: text("secret_env"),
  /** Encrypted JSON object of HTTP headers for http/sse servers. */
  secretHeaders: text("secret_headers"),
  enabled: boolean("enabled").notNull().default(true),
  timeoutMs: integer("timeout_ms").notNull().default(60_000),
  serverName: text("server_name"),
  serverVersion: text("server_version"),
  approvedAt: timestamp("approved_at", { withTimezone: true }),
  approvedBy: text("approved_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const connectorTool = pgTable(
  "connector_tool",
  {
    connectorId: text("connector_id")
      .notNull()
      .references(() => connector.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    inputSchema: jsonb("input_schema").$type<Record<string, unknown>>().notNull(),
    annotations: jsonb("annotations").$type<ToolAnnotations>().notNull(),
    /** sha256 of the canonical JSON of name, description, inputSchema and annotations, as last seen. */
    definitionHash: text("definition_hash").notNull(),
    /** The definition hash an admin approved: the tool is offered only while the two are equal. */
    approvedHash: text("approved_hash"),
    policyOverride: text("policy_override", { enum: TOOL_POLICIES }),
    status: text("status", { enum: TOOL_STATUSES }).notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.name] }), index("connector_tool_status").on(t.status)],
);
