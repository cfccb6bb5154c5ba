import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { zodProblems } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { KNOWLEDGE_FORMATS } from "@/server/db/schema";
import { DEFAULT_COLLECTION_ID, requireCollection } from "./collections";
import { KnowledgeError } from "./errors";
import { parseUpload, type UploadFormat } from "./parse";
import { detectFormat, ownTitle, slugify, splitDocument, SplitError, type KnowledgeFormat, type SplitDocument } from "./split";
import { embedSoon } from "./embeddings/embedder";

/** Policies are a few pages; this bounds what one upload may make the database index. */
export const MAX_DOCUMENT_CHARS = 500_000;

export const uploadDocumentInput = z.object({
  content: z
    .string({ error: "must be text" })
    .max(MAX_DOCUMENT_CHARS, `must be at most ${MAX_DOCUMENT_CHARS.toLocaleString("en")} characters`)
    .refine((s) => s.trim().length > 0, "must not be empty"),
  title: z.string().trim().max(200, "must be at most 200 characters").optional(),
  /** The uploaded file's name: gives the slug and the format when they are not given. */
  filename: z.string().trim().max(255, "must be at most 255 characters").optional(),
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,59}$/, "must be up to 60 lowercase letters, digits or dashes")
    .optional(),
  format: z.enum(KNOWLEDGE_FORMATS).optional(),
  /** The collection (slug or id) it belongs to: default the "policies" collection, or where it already is. */
  collection: z.string({ error: "must be text" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
});
export type UploadDocumentInput = z.input<typeof uploadDocumentInput>;

export interface KnowledgeDocumentSummary {
  id: string;
  slug: string;
  title: string;
  /** The collection's slug. */
  collection: string;
  format: UploadFormat;
  /** 1 at the first upload, +1 at each upload that changed it. */
  version: number;
  sizeBytes: number;
  clauseCount: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
}

export interface KnowledgeClauseView {
  id: string;
  documentId: string;
  documentSlug: string;
  documentTitle: string;
  /** The document's collection (slug). */
  collection: string;
  /** The document version this text belongs to. */
  version: number;
  /** False when this is an earlier version's text (the clause changed or went away since). */
  current: boolean;
  position: number;
  title: string;
  text: string;
  headingPath: string[];
}

export interface KnowledgeDocumentView extends KnowledgeDocumentSummary {
  source: string;
  clauses: KnowledgeClauseView[];
}

export interface UploadResult {
  document: KnowledgeDocumentSummary;
  /** `created`: a new slug; `replaced`: same slug, new content; `unchanged`: nothing to do. */
  outcome: "created" | "replaced" | "unchanged";
  clauseIds: string[];
}

export interface DocumentPreview {
  slug: string;
  title: string;
  format: UploadFormat;
  /** The clauses an upload would make, in order, each with its heading path. */
  clauses: { id: string; title: string; text: string; headingPath: string[] }[];
}

/** Names the document and splits it, saving nothing: the slug, title and clauses an upload would make. */
function prepare(input: z.output<typeof uploadDocumentInput>): { slug: string; format: UploadFormat; doc: SplitDocument } {
  const format: UploadFormat = input.format ?? detectFormat(input.filename, input.content);
  let slug = input.slug ?? (slugify(input.filename ?? "") || slugify(input.title ?? ""));
  if (!slug) slug = slugify(ownTitle(input.content, splitAs(format)) ?? "");
  if (!slug) {
    throw new KnowledgeError("bad_request", "title: give the document a title", [{ path: "title", message: "is required when the text has no # heading to name it" }]);
  }
  return { slug, format, doc: split(slug, input.content, format, input.title || undefined) };
}

function parseInput(raw: UploadDocumentInput): z.output<typeof uploadDocumentInput> {
  const parsed = uploadDocumentInput.safeParse(raw);
  if (!parsed.success) throw new KnowledgeError("bad_request", "Invalid document", zodProblems(parsed.error.issues));
  return parsed.data;
}

/** The chunk preview: how `raw` would be split, with each clause's heading path. Saves nothing. */
export function previewDocument(raw: UploadDocumentInput): DocumentPreview {
  const { slug, format, doc } = prepare(parseInput(raw));
  return { slug, title: doc.title, format, clauses: doc.clauses.map((c) => ({ id: c.id, title: c.title, text: c.text, headingPath: c.headingPath })) };
}

export interface UploadedFile {
  filename: string;
  bytes: Uint8Array;
  title?: string;
  collection?: string;
}

/** A file as uploaded (Markdown, text, HTML, PDF, DOCX) to the input of uploadDocument / previewDocument. */
export async function fileInput(file: UploadedFile): Promise<UploadDocumentInput> {
  const parsed = await parseUpload(file.filename, file.bytes);
  return { content: parsed.content, filename: file.filename, format: parsed.format, title: file.title, collection: file.collection };
}

interface SummaryRow {
  id: string;
  slug: string;
  title: string;
  collection: string;
  format: UploadFormat;
  version: number;
  size_bytes: number;
  clause_count: number;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

const SUMMARY_SELECT = sql`
  select d.id, d.slug, d.title, k.slug as collection, d.format, d.version, d.size_bytes, d.created_at::text as created_at, d.updated_at::text as updated_at,
         u.email as updated_by, (select count(*)::int from knowledge_clause c where c.document_id = d.id) as clause_count
  from knowledge_document d join knowledge_collection k on k.id = d.collection_id left join "user" u on u.id = coalesce(d.updated_by, d.created_by)`;

function summary(r: SummaryRow): KnowledgeDocumentSummary {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    collection: r.collection,
    format: r.format,
    version: Number(r.version),
    sizeBytes: Number(r.size_bytes),
    clauseCount: Number(r.clause_count),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
  };
}

interface ClauseRow {
  id: string;
  document_id: string;
  document_slug: string;
  document_title: string;
  collection: string;
  version: number;
  current: boolean;
  position: number;
  title: string;
  text: string;
  heading_path: string[] | string;
}

const CLAUSE_SELECT = sql`
  select c.id, c.document_id, d.slug as document_slug, d.title as document_title, k.slug as collection, d.version, true as current,
         c.position, c.title, c.text, c.heading_path
  from knowledge_clause c join knowledge_document d on d.id = c.document_id join knowledge_collection k on k.id = d.collection_id`;

function clauseView(r: ClauseRow): KnowledgeClauseView {
  return {
    id: r.id,
    documentId: r.document_id,
    documentSlug: r.document_slug,
    documentTitle: r.document_title,
    collection: r.collection,
    version: Number(r.version),
    current: r.current === true || String(r.current) === "true",
    position: Number(r.position),
    title: r.title,
    text: r.text,
    headingPath: typeof r.heading_path === "string" ? (JSON.parse(r.heading_path) as string[]) : r.heading_path,
  };
}

function isUniqueViolation(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if ((cur as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/** HTML, PDF and DOCX are stored as the Markdown read from them. */
function splitAs(format: UploadFormat): KnowledgeFormat {
  return format === "text" ? "text" : "markdown";
}

function split(slug: string, content: string, format: UploadFormat, title: string | undefined): SplitDocument {
  try {
    return splitDocument({ slug, content, format: splitAs(format), title });
  } catch (e) {
    if (e instanceof SplitError) {
      const path = e.field === "slug" ? "title" : e.field;
      throw new KnowledgeError("bad_request", `${path}: ${e.message}`, [{ path, message: e.message }]);
    }
    throw e;
  }
}

/**
 * Adds a document, or replaces the one with the same slug (its clause ids stay the same when
 * their headings do). The slug comes from `slug`, else the file name, else the title (given, or
 * the document's own `#` heading). Refuses clause ids that another document already uses.
 */
export async function uploadDocument(
  database: Database,
  raw: UploadDocumentInput,
  actor: AuditActor | null = null,
): Promise<UploadResult> {
  const input = parseInput(raw);
  const { slug, format, doc } = prepare(input);
  const wantedCollection = input.collection ? (await requireCollection(database, input.collection)).id : null;
  const contentHash = crypto.createHash("sha256").update(input.content).digest("hex");
  const sizeBytes = Buffer.byteLength(input.content, "utf8");
  const ids = doc.clauses.map((c) => c.id);

  let outcome = "created" as UploadResult["outcome"];
  let documentId = "";
  try {
    await database.db.transaction(async (tx) => {
      const [existing] = await database.rows<{ id: string; title: string; content_hash: string; format: string; collection_id: string; version: number }>(
        sql`select id, title, content_hash, format, collection_id, version from knowledge_document where slug = ${slug} for update`,
        tx,
      );
      const collectionId = wantedCollection ?? existing?.collection_id ?? DEFAULT_COLLECTION_ID;
      if (
        existing &&
        existing.content_hash === contentHash &&
        existing.title === doc.title &&
        existing.format === format &&
        existing.collection_id === collectionId
      ) {
        outcome = "unchanged";
        documentId = existing.id;
        return;
      }
      documentId = existing?.id ?? crypto.randomUUID();
      const taken = await database.rows<{ id: string; document_title: string }>(
        sql`select c.id, d.title as document_title from knowledge_clause c join knowledge_document d on d.id = c.document_id
            where c.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) and c.document_id <> ${documentId} order by c.id`,
        tx,
      );
      if (taken.length) {
        const problems = taken.map((t) => ({ path: "content", message: `clause ${t.id} is already in “${t.document_title}”: give it another id, or update that document` }));
        throw new KnowledgeError("conflict", `Clause ${taken.map((t) => t.id).join(", ")} already exists in another document`, problems);
      }
      const version = existing ? Number(existing.version) + 1 : 1;
      if (existing) {
        outcome = "replaced";
        await tx.execute(sql`delete from knowledge_clause where document_id = ${documentId}`);
        await tx.execute(
          sql`update knowledge_document set title = ${doc.title}, collection_id = ${collectionId}, format = ${format}, version = ${version}, source = ${input.content}, size_bytes = ${sizeBytes},
                content_hash = ${contentHash}, updated_by = ${actor?.id ?? null}, updated_at = now() where id = ${documentId}`,
        );
      } else {
        await tx.execute(
          sql`insert into knowledge_document (id, slug, title, collection_id, format, source, size_bytes, content_hash, created_by, updated_by)
              values (${documentId}, ${slug}, ${doc.title}, ${collectionId}, ${format}, ${input.content}, ${sizeBytes}, ${contentHash}, ${actor?.id ?? null}, ${actor?.id ?? null})`,
        );
      }
      const values = doc.clauses.map((c, i) => sql`(${c.id}, ${documentId}, ${i}, ${c.title}, ${c.text}, ${JSON.stringify(c.headingPath)}::jsonb)`);
      for (let i = 0; i < values.length; i += 200) {
        await tx.execute(sql`insert into knowledge_clause (id, document_id, position, title, text, heading_path) values ${sql.join(values.slice(i, i + 200), sql`, `)}`);
      }
      // This version's clauses as they are now: what a citation of (clause, version) resolves to later.
      await tx.execute(
        sql`insert into knowledge_clause_version (document_id, version, clause_id, position, title, text, heading_path)
            select document_id, ${version}, id, position, title, text, heading_path from knowledge_clause where document_id = ${documentId}`,
      );
      await recordAudit(tx, {
        action: existing ? "knowledge.document_replaced" : "knowledge.document_uploaded",
        actor,
        targetType: "knowledge_document",
        targetId: documentId,
        data: { slug, title: doc.title, collection: collectionId, format, version, clauses: ids.length, contentHash },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new KnowledgeError("conflict", "Another upload changed the knowledge base at the same time: try again", [{ path: "content", message: "clashes with a concurrent upload" }]);
    }
    throw e;
  }
  const [row] = await database.rows<SummaryRow>(sql`${SUMMARY_SELECT} where d.id = ${documentId}`);
  if (!row) throw new KnowledgeError("not_found", `Document ${slug} disappeared while it was saved`);
  // New or changed clauses get their embeddings in the background (when boot started the embedder).
  if (outcome !== "unchanged") embedSoon(database);
  return { document: summary(row), outcome, clauseIds: ids };
}

/** Every document, newest change first. */
export async function listDocuments(database: Database): Promise<KnowledgeDocumentSummary[]> {
  const rows = await database.rows<SummaryRow>(sql`${SUMMARY_SELECT} order by d.updated_at desc, d.slug`);
  return rows.map(summary);
}

/** A document with its source and clauses in order; by id or slug. */
export async function getDocument(database: Database, idOrSlug: string): Promise<KnowledgeDocumentView> {
  const [r] = await database.rows<SummaryRow>(sql`${SUMMARY_SELECT} where d.id = ${idOrSlug} or d.slug = ${idOrSlug} limit 1`);
  if (!r) throw new KnowledgeError("not_found", `No document ${idOrSlug}`);
  const [src] = await database.rows<{ source: string }>(sql`select source from knowledge_document where id = ${r.id}`);
  const clauses = await database.rows<ClauseRow>(sql`${CLAUSE_SELECT} where c.document_id = ${r.id} order by c.position`);
  return { ...summary(r), source: src?.source ?? "", clauses: clauses.map(clauseView) };
}

/** Removes a document and its clauses. */
export async function deleteDocument(
  database: Database,
  id: string,
  actor: AuditActor | null = null,
): Promise<{ id: string; slug: string }> {
  const deleted = await database.db.transaction(async (tx) => {
    const [row] = await database.rows<{ id: string; slug: string; title: string }>(sql`delete from knowledge_document where id = ${id} returning id, slug, title`, tx);
    if (!row) throw new KnowledgeError("not_found", `No document ${id}`);
    await recordAudit(tx, { action: "knowledge.document_deleted", actor, targetType: "knowledge_document", targetId: row.id, data: { slug: row.slug, title: row.title } });
    return row;
  });
  return { id: deleted.id, slug: deleted.slug };
}

/**
 * One clause by id (case-insensitive), with its document's title: what citations link to. With a
 * version, the text that version had (a citation made then), even if the clause changed or went
 * away since; without, the current text. With a document id, only a clause of that document.
 */
export async function getClause(database: Database, id: string, version?: number, documentId?: string): Promise<KnowledgeClauseView | null> {
  const clauseId = id.trim().toUpperCase();
  // A citation names its document too: an id another document reuses later is not what it cited.
  const inDocument = documentId ? sql`and d.id = ${documentId}` : sql``;
  if (version !== undefined) {
    const [old] = await database.rows<ClauseRow>(
      sql`select v.clause_id as id, v.document_id, d.slug as document_slug, d.title as document_title, k.slug as collection, v.version,
                 (v.version = d.version) as current, v.position, v.title, v.text, v.heading_path
          from knowledge_clause_version v join knowledge_document d on d.id = v.document_id join knowledge_collection k on k.id = d.collection_id
          where v.clause_id = ${clauseId} and v.version = ${version} ${inDocument}
          order by (v.version = d.version) desc limit 1`,
    );
    return old ? clauseView(old) : null;
  }
  const [r] = await database.rows<ClauseRow>(sql`${CLAUSE_SELECT} where c.id = ${clauseId} ${inDocument}`);
  return r ? clauseView(r) : null;
}

/** Every clause in the order documents were added and clauses appear in them. */
export async function allClauses(database: Database): Promise<KnowledgeClauseView[]> {
  const rows = await database.rows<ClauseRow>(sql`${CLAUSE_SELECT} order by d.created_at, d.id, c.position`);
  return rows.map(clauseView);
}
