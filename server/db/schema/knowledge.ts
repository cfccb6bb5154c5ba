import { sql } from "drizzle-orm";
import { customType, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";

/** What a document was uploaded as; its source is the text read from it (Markdown for html, pdf, docx). */
export const KNOWLEDGE_FORMATS = ["markdown", "text", "html", "pdf", "docx"] as const;

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** The collection documents land in when none is named; the migration creates it. */
export const DEFAULT_COLLECTION_ID = "policies";
/** A grant to this mission id covers every mission. */
export const ALL_MISSIONS = "*";

/**
 * A named set of documents. Workers search only the collections an admin granted to their
 * mission (knowledge_collection_grant).
 */
export const knowledgeCollection = pgTable("knowledge_collection", {
  id: text("id").primaryKey(),
  /** Lowercase identifier Workers name in `collection` arguments. */
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Which missions may search a collection. `mission_id` "*" grants every mission. */
export const knowledgeCollectionGrant = pgTable(
  "knowledge_collection_grant",
  {
    collectionId: text("collection_id")
      .notNull()
      .references(() => knowledgeCollection.id, { onDelete: "cascade" }),
    missionId: text("mission_id").notNull(),
    grantedBy: text("granted_by").references(() => user.id, { onDelete: "set null" }),
    grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.missionId] }), index("knowledge_collection_grant_mission").on(t.missionId)],
);

/** An uploaded policy document. Its slug is its identity: uploading the same slug again replaces it. */
export const knowledgeDocument = pgTable("knowledge_document", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  collectionId: text("collection_id")
    .notNull()
    .default(DEFAULT_COLLECTION_ID)
    .references(() => knowledgeCollection.id, { onDelete: "restrict" }),
  format: text("format", { enum: KNOWLEDGE_FORMATS }).notNull(),
  /** The text as uploaded, so the document can be shown and split again. */
  source: text("source").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  /** sha256 of the source. */
  contentHash: text("content_hash").notNull(),
  /** 1 at the first upload, +1 at each upload that changed it; knowledge_clause_version keeps every version's clauses. */
  version: integer("version").notNull().default(1),
  createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
  updatedBy: text("updated_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One clause of a document. The id (e.g. REF-1.2) is what Workers cite, so it is unique across
 * all documents. `search` is generated, so writers never need to know about full-text search.
 */
export const knowledgeClause = pgTable(
  "knowledge_clause",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id")
      .notNull()
      .references(() => knowledgeDocument.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    text: text("text").notNull(),
    headingPath: jsonb("heading_path").$type<string[]>().notNull(),
    /** md5 of what is embedded (title, blank line, text): knowledge_embedding's key. */
    contentHash: text("content_hash")
      .notNull()
      .generatedAlwaysAs(sql`md5("title" || E'\\n\\n' || "text")`),
    /**
     * Title (A) and text (B), and the headings above the clause (C): a question often names the
     * section ("how are refunds paid") rather than words of the clause under it.
     */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english'::regconfig, "title"), 'A') || setweight(to_tsvector('english'::regconfig, "text"), 'B') || setweight(to_tsvector('english'::regconfig, "heading_path"), 'C')`,
      ),
  },
  (t) => [index("knowledge_clause_search").using("gin", t.search), index("knowledge_clause_document").on(t.documentId, t.position), index("knowledge_clause_content").on(t.contentHash)],
);

/**
 * Every version's clauses as they were, so a citation of (clause, version) still shows the text it
 * cited after the document changed or the clause went away.
 */
export const knowledgeClauseVersion = pgTable(
  "knowledge_clause_version",
  {
    documentId: text("document_id")
      .notNull()
      .references(() => knowledgeDocument.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    clauseId: text("clause_id").notNull(),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    text: text("text").notNull(),
    headingPath: jsonb("heading_path").$type<string[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.version, t.clauseId] }), index("knowledge_clause_version_clause").on(t.clauseId, t.version)],
);

/**
 * An embedding by a registered embedding model of a clause's content (its `content_hash`), for the
 * vector half of hybrid search. Keyed by content, not clause id: re-uploading a document deletes
 * and re-inserts its clauses, and an unchanged clause must not be embedded again. Stored as
 * real[] so the table exists on every PostgreSQL; where pgvector is installed a `vec vector` column
 * beside it (added at start by server/knowledge/embeddings/vector-support.ts) is what search reads. The background embedder (server/knowledge/embeddings) fills in what is
 * missing, so what is stored is also its durable progress.
 */
export const knowledgeEmbedding = pgTable(
  "knowledge_embedding",
  {
    modelId: text("model_id").notNull(),
    contentHash: text("content_hash").notNull(),
    dims: integer("dims").notNull(),
    embedding: real("embedding").array().notNull(),
    embeddedAt: timestamp("embedded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.contentHash] })],
);

export type KnowledgeDocumentRow = typeof knowledgeDocument.$inferSelect;
export type KnowledgeClauseRow = typeof knowledgeClause.$inferSelect;
