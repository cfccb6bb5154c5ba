import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { zodProblems } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { ALL_MISSIONS, DEFAULT_COLLECTION_ID } from "@/server/db/schema";
import { KnowledgeError } from "./errors";

export { ALL_MISSIONS, DEFAULT_COLLECTION_ID };

export interface KnowledgeCollection {
  id: string;
  slug: string;
  title: string;
  description: string;
  documentCount: number;
  /** Mission ids that may search it; "*" is every mission. */
  grants: string[];
}

const slugSchema = z
  .string({ error: "must be text" })
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,59}$/, "must be up to 60 lowercase letters, digits or dashes, starting with a letter or digit");

export const createCollectionInput = z.object({
  slug: slugSchema,
  title: z.string({ error: "must be text" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  description: z.string({ error: "must be text" }).trim().max(2_000, "must be at most 2000 characters").default(""),
});
export type CreateCollectionInput = z.input<typeof createCollectionInput>;

export const grantInput = z.object({
  collection: z.string({ error: "must be text" }).trim().min(1, "must not be empty").max(200),
  missionId: z.string({ error: "must be text" }).trim().min(1, "must not be empty").max(200),
});
export type GrantInput = z.input<typeof grantInput>;

function parse<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new KnowledgeError("bad_request", `Invalid ${what}`, zodProblems(parsed.error.issues));
  return parsed.data;
}

/** Every collection with its document count and grants, the default one first. */
export async function listCollections(database: Database): Promise<KnowledgeCollection[]> {
  const rows = await database.rows<{ id: string; slug: string; title: string; description: string; document_count: number; grants: string[] | string | null }>(
    sql`select k.id, k.slug, k.title, k.description,
               (select count(*)::int from knowledge_document d where d.collection_id = k.id) as document_count,
               (select coalesce(json_agg(g.mission_id order by g.mission_id), '[]'::json) from knowledge_collection_grant g where g.collection_id = k.id) as grants
        from knowledge_collection k order by (k.id = ${DEFAULT_COLLECTION_ID}) desc, k.created_at, k.slug`,
  );
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    description: r.description,
    documentCount: Number(r.document_count),
    grants: typeof r.grants === "string" ? (JSON.parse(r.grants) as string[]) : (r.grants ?? []),
  }));
}

/** A collection by id or slug, or a not_found error naming it. */
export async function requireCollection(database: Database, idOrSlug: string, field = "collection"): Promise<{ id: string; slug: string; title: string }> {
  const [row] = await database.rows<{ id: string; slug: string; title: string }>(
    sql`select id, slug, title from knowledge_collection where id = ${idOrSlug} or slug = ${idOrSlug.trim().toLowerCase()} limit 1`,
  );
  if (!row) throw new KnowledgeError("not_found", `No knowledge collection ${idOrSlug}`, [{ path: field, message: `no collection ${idOrSlug}` }]);
  return row;
}

export async function createCollection(database: Database, raw: CreateCollectionInput, actor: AuditActor | null = null): Promise<KnowledgeCollection> {
  const input = parse(createCollectionInput, raw, "collection");
  const id = crypto.randomUUID();
  await database.db.transaction(async (tx) => {
    const [taken] = await database.rows<{ id: string }>(sql`select id from knowledge_collection where slug = ${input.slug}`, tx);
    if (taken) throw new KnowledgeError("conflict", `A collection named ${input.slug} exists`, [{ path: "slug", message: "is taken by another collection" }]);
    await tx.execute(
      sql`insert into knowledge_collection (id, slug, title, description, created_by) values (${id}, ${input.slug}, ${input.title}, ${input.description}, ${actor?.id ?? null})`,
    );
    await recordAudit(tx, { action: "knowledge.collection_created", actor, targetType: "knowledge_collection", targetId: id, data: { slug: input.slug, title: input.title } });
  });
  const created = (await listCollections(database)).find((c) => c.id === id);
  if (!created) throw new KnowledgeError("not_found", `Collection ${input.slug} disappeared while it was saved`);
  return created;
}

/** Lets a mission's Workers ("*": every mission's) search a collection. Granting twice is a no-op. */
export async function grantCollection(database: Database, raw: GrantInput, actor: AuditActor | null = null): Promise<KnowledgeCollection> {
  return changeGrant(database, raw, actor, "granted");
}

/** Takes a grant back; the mission's Workers are refused from their next call. */
export async function revokeCollection(database: Database, raw: GrantInput, actor: AuditActor | null = null): Promise<KnowledgeCollection> {
  return changeGrant(database, raw, actor, "revoked");
}

async function changeGrant(database: Database, raw: GrantInput, actor: AuditActor | null, change: "granted" | "revoked"): Promise<KnowledgeCollection> {
  const input = parse(grantInput, raw, "grant");
  const collection = await requireCollection(database, input.collection);
  if (change === "granted" && input.missionId !== ALL_MISSIONS) {
    const [m] = await database.rows<{ id: string }>(sql`select id from mission where id = ${input.missionId}`);
    if (!m) throw new KnowledgeError("not_found", `No mission ${input.missionId}`, [{ path: "missionId", message: `no mission ${input.missionId}` }]);
  }
  await database.db.transaction(async (tx) => {
    const changed = await database.rows<{ mission_id: string }>(
      change === "granted"
        ? sql`insert into knowledge_collection_grant (collection_id, mission_id, granted_by) values (${collection.id}, ${input.missionId}, ${actor?.id ?? null})
              on conflict do nothing returning mission_id`
        : sql`delete from knowledge_collection_grant where collection_id = ${collection.id} and mission_id = ${input.missionId} returning mission_id`,
      tx,
    );
    // Audited only when something changed: granting twice, or revoking nothing, is not an event.
    if (!changed.length) return;
    await recordAudit(tx, {
      action: change === "granted" ? "knowledge.collection_granted" : "knowledge.collection_revoked",
      actor,
      targetType: "knowledge_collection",
      targetId: collection.id,
      data: { collection: collection.slug, missionId: input.missionId },
    });
  });
  return (await listCollections(database)).find((c) => c.id === collection.id) as KnowledgeCollection;
}

export interface RunAccess {
  runId: string;
  missionId: string;
  /** The collections the run's mission may search, in listing order. */
  collections: { id: string; slug: string; title: string }[];
}

/** What a run's Workers may search: the collections granted to its mission or to every mission. Null for an unknown run. */
export async function accessForRun(database: Database, runId: string): Promise<RunAccess | null> {
  const [run] = await database.rows<{ mission_id: string }>(sql`select mission_id from run where id = ${runId}`);
  if (!run) return null;
  const collections = await database.rows<{ id: string; slug: string; title: string }>(
    sql`select k.id, k.slug, k.title from knowledge_collection k
        where exists (select 1 from knowledge_collection_grant g where g.collection_id = k.id and g.mission_id in (${run.mission_id}, ${ALL_MISSIONS}))
        order by (k.id = ${DEFAULT_COLLECTION_ID}) desc, k.created_at, k.slug`,
  );
  return { runId, missionId: run.mission_id, collections };
}
