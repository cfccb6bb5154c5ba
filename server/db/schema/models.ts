import { sql } from "drizzle-orm";
import { boolean, index, numeric, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const MODEL_PROVIDER_KINDS = ["openai", "anthropic", "openai-compatible", "replay"] as const;
export type ModelProviderKind = (typeof MODEL_PROVIDER_KINDS)[number];
/** What a registered model is for: Workers' chat, or the knowledge base's embeddings. */
export const MODEL_PURPOSES = ["chat", "embedding"] as const;
export type ModelPurpose = (typeof MODEL_PURPOSES)[number];

export const modelProvider = pgTable("model_provider", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind", { enum: MODEL_PROVIDER_KINDS }).notNull(),
  baseUrl: text("base_url"),
  /** Encrypted with server/crypto/secrets; never leaves the server in plaintext. */
  apiKey: text("api_key"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const model = pgTable(
  "model",
  {
    /** The id Workers reference, e.g. `gpt-4o` or `replay:refund-demo`. */
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => modelProvider.id, { onDelete: "cascade" }),
    /** The provider's own model id, sent on the wire. */
    modelName: text("model_name").notNull(),
    label: text("label").notNull().default(""),
    priceInPerMtok: numeric("price_in_per_mtok", { precision: 12, scale: 4 }).notNull().default("0"),
    priceOutPerMtok: numeric("price_out_per_mtok", { precision: 12, scale: 4 }).notNull().default("0"),
    isDefault: boolean("is_default").notNull().default(false),
    /** "embedding": the knowledge base embeds clauses with it (docs/knowledge.md); never a Worker's model. */
    purpose: text("purpose", { enum: MODEL_PURPOSES }).notNull().default("chat"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // At most one default model: "" in a Worker resolves to it.
  (t) => [index("model_provider_id").on(t.providerId), uniqueIndex("model_one_default").on(t.isDefault).where(sql`${t.isDefault}`)],
);
