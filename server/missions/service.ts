import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { AppError, describeProblems, zodProblems } from "@/lib/errors";
import { canonicalJson } from "@/lib/mission/canonical";
import { diffMissions } from "@/lib/mission/diff";
import { draftSizeProblem, missionDraftSchema, missionGraphSchema, emptyMission, type MissionGraph } from "@/lib/mission/schema";
import { parseMissionDocument, validateMission } from "@/lib/mission/validate";
import { getTemplate } from "@/lib/mission/templates";
import type { Db } from "@/server/db/database";
import { mission, missionVersion, user, versionReview, type VersionReviewStatus } from "@/server/db/schema";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { listToolsForBuilder } from "@/server/connectors/service";
import { requireCallsSound } from "./calls";
import { requestPublication, type PublicationRequest } from "./publishing";

export const missionNameSchema = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");

export const createMissionInput = z.object({
  name: missionNameSchema,
  description: z.string().max(5_000).default(""),
  template: z.string().max(100).optional(),
});

export interface MissionSummary {
  id: string;
  name: string;
  description: string;
  latestVersion: number;
  /** The version runs use; null until one is published. */
  publishedVersion: number | null;
  /** The newest version awaiting review that is newer than the published one, if any. */
  awaitingReview: number | null;
  nodeCount: number;
  updatedAt: string;
  archivedAt: string | null;
}

export interface VersionSummary {
  id: string;
  number: number;
  message: string;
  contentHash: string;
  authorId: string | null;
  authorEmail: string | null;
  createdAt: string;
  /** Whether it may run (server/missions/publishing.ts); null for versions saved before reviews existed. */
  review: VersionReviewSummary | null;
  /** True for the version runs use. */
  published: boolean;
}

export interface VersionReviewSummary {
  status: VersionReviewStatus;
  changes: string[];
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

export function contentHash(graph: MissionGraph): string {
  return crypto.createHash("sha256").update(canonicalJson(graph)).digest("hex");
}

/** A graph for a version: every rule of the format. `field` names where it came from (`graph`, or `draft` when saving the draft). */
function parseGraph(graph: unknown, field = "graph"): MissionGraph {
  const parsed = missionGraphSchema.safeParse(graph);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error.issues, field);
    const what = field === "draft" ? "The draft" : "The mission graph";
    throw new AppError("bad_request", `${what} cannot be saved as a version until it is fixed: ${describeProblems(problems, 3)}`, problems);
  }
  return parsed.data;
}

/** A draft: the format's shape, any values, bounded in size (missionDraftSchema). */
function parseDraft(graph: unknown): MissionGraph {
  const tooLarge = draftSizeProblem(graph);
  if (tooLarge) throw new AppError("payload_too_large", `The draft ${tooLarge}`, [{ path: "graph", message: tooLarge }]);
  const parsed = missionDraftSchema.safeParse(graph);
  if (!parsed.success) throw new AppError("bad_request", "The draft does not have the shape of a mission", zodProblems(parsed.error.issues, "graph"));
  return parsed.data;
}

async function requireMission(db: Db, id: string) {
  const [row] = await db.select().from(mission).where(eq(mission.id, id));
  if (!row) throw new AppError("not_found", `No mission ${id}`);
  return row;
}

export async function listMissions(db: Db, opts: { includeArchived?: boolean } = {}): Promise<MissionSummary[]> {
  // Columns qualified by hand: drizzle renders ${mission.id} unqualified here, which v.id would capture.
  const awaiting = sql<number | null>`(select max(v.number) from ${versionReview} r join ${missionVersion} v on v.id = r.version_id
    where r.mission_id = "mission"."id" and r.status = 'awaiting_review' and v.number > coalesce("mission"."published_version", 0))`;
  const rows = await db
    .select({ m: mission, awaiting })
    .from(mission)
    .where(opts.includeArchived ? undefined : isNull(mission.archivedAt))
    .orderBy(desc(mission.updatedAt));
  return rows.map(({ m, awaiting }) => ({
    id: m.id,
    name: m.name,
    description: m.description,
    latestVersion: m.latestVersion,
    publishedVersion: m.publishedVersion,
    awaitingReview: awaiting === null ? null : Number(awaiting),
    nodeCount: m.draft.nodes.length,
    updatedAt: m.updatedAt.toISOString(),
    archivedAt: m.archivedAt?.toISOString() ?? null,
  }));
}

export async function getMission(db: Db, id: string) {
  const m = await requireMission(db, id);
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    draft: m.draft,
    draftUpdatedAt: m.draftUpdatedAt.toISOString(),
    latestVersion: m.latestVersion,
    publishedVersion: m.publishedVersion,
    archivedAt: m.archivedAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

export async function createMission(db: Db, raw: z.input<typeof createMissionInput>, userId: string | null) {
  const parsed = createMissionInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid mission", zodProblems(parsed.error.issues));
  const { name, description, template } = parsed.data;
  let graph: MissionGraph;
  if (template) {
    const t = getTemplate(template);
    if (!t) throw new AppError("bad_request", `Unknown template ${template}`, [{ path: "template", message: "unknown template" }]);
    graph = { ...t.graph(), name, description: description || t.graph().description };
  } else {
    graph = { ...emptyMission(name), description };
  }
  const id = crypto.randomUUID();
  await db.insert(mission).values({ id, name, description: graph.description, draft: graph, createdBy: userId });
  return getMission(db, id);
}

export async function renameMission(db: Db, id: string, rawName: string) {
  const name = missionNameSchema.safeParse(rawName);
  if (!name.success) throw new AppError("bad_request", "Invalid name", zodProblems(name.error.issues, "name"));
  const m = await requireMission(db, id);
  await db
    .update(mission)
    .set({ name: name.data, draft: { ...m.draft, name: name.data }, updatedAt: new Date() })
    .where(eq(mission.id, id));
  return getMission(db, id);
}

export async function setArchived(db: Db, id: string, archived: boolean) {
  await requireMission(db, id);
  await db.update(mission).set({ archivedAt: archived ? new Date() : null, updatedAt: new Date() }).where(eq(mission.id, id));
  return getMission(db, id);
}

/**
 * Saves what the editor has. A draft may hold values a version refuses (an outcome typed as
 * `auto-approved`, a half-typed duration) besides validation problems: they are shown in Problems,
 * and refused only when the draft is saved as a version, so one bad value never costs the other
 * edits. It must still have the format's shape, a mission name, and a bounded size.
 */
export async function saveDraft(db: Db, id: string, graphInput: unknown) {
  const graph = parseDraft(graphInput);
  await requireMission(db, id);
  const now = new Date();
  await db.update(mission).set({ draft: graph, name: graph.name, description: graph.description, draftUpdatedAt: now, updatedAt: now }).where(eq(mission.id, id));
  return { draftUpdatedAt: now.toISOString() };
}

/**
 * Snapshots a graph (the given one, else the draft) as the next immutable version. Saving a graph
 * identical to the latest version returns that version instead of a duplicate. `review` says
 * whether it was published at once or awaits review (server/missions/publishing.ts).
 */
/** `opts.actor` names who did it in the audit (an API key, say); defaults to the user. */
export async function saveVersion(db: Db, id: string, input: { graph?: unknown; message?: string }, userId: string | null, opts: { actor?: AuditActor } = {}) {
  const message = z.string().max(500, "must be at most 500 characters").safeParse(input.message ?? "");
  if (!message.success) throw new AppError("bad_request", "Invalid message", zodProblems(message.error.issues, "message"));
  const m = await requireMission(db, id);
  // The draft may hold values a version refuses: it is checked like a graph sent with the request.
  const graph = input.graph === undefined ? parseGraph(m.draft, "draft") : parseGraph(input.graph);
  await requireCallsSound(db, id, graph.name, graph, "This version cannot be saved");
  const hash = contentHash(graph);
  return db.transaction(async (tx) => {
    // Lock the mission row so two concurrent saves get consecutive numbers.
    const [locked] = await tx.select().from(mission).where(eq(mission.id, id)).for("update");
    if (!locked) throw new AppError("not_found", `No mission ${id}`);
    if (locked.latestVersion > 0) {
      const [latest] = await tx
        .select()
        .from(missionVersion)
        .where(and(eq(missionVersion.missionId, id), eq(missionVersion.number, locked.latestVersion)));
      if (latest && latest.contentHash === hash) {
        const [r] = await tx.select().from(versionReview).where(eq(versionReview.versionId, latest.id));
        const review: PublicationRequest = { status: r?.status ?? "published", changes: r?.changes ?? [], publishedVersion: locked.publishedVersion };
        return { ...toVersionSummary(latest, null, r ?? null, locked.publishedVersion), unchanged: true, review };
      }
    }
    const number = locked.latestVersion + 1;
    const [row] = await tx
      .insert(missionVersion)
      .values({ id: crypto.randomUUID(), missionId: id, number, graph, contentHash: hash, message: message.data, authorId: userId })
      .returning();
    if (!row) throw new Error("version insert returned nothing");
    const now = new Date();
    await tx
      .update(mission)
      .set({ latestVersion: number, draft: graph, name: graph.name, description: graph.description, draftUpdatedAt: now, updatedAt: now })
      .where(eq(mission.id, id));
    await recordAudit(tx, { action: "mission.version_saved", actor: opts.actor ?? (userId ? { id: userId } : null), targetType: "mission", targetId: id, data: { version: number, versionId: row.id, contentHash: hash, message: message.data } });
    const review = await requestPublication(tx, { missionId: id, versionId: row.id, number, graph, authorId: userId, publishedVersion: locked.publishedVersion });
    const [r] = await tx.select().from(versionReview).where(eq(versionReview.versionId, row.id));
    return { ...toVersionSummary(row, null, r ?? null, review.publishedVersion), unchanged: false, review };
  });
}

function toVersionSummary(
  v: typeof missionVersion.$inferSelect,
  authorEmail: string | null,
  r: typeof versionReview.$inferSelect | null,
  publishedVersion: number | null,
  decidedBy: string | null = null,
): VersionSummary {
  return {
    id: v.id,
    number: v.number,
    message: v.message,
    contentHash: v.contentHash,
    authorId: v.authorId,
    authorEmail,
    createdAt: v.createdAt.toISOString(),
    review: r ? { status: r.status, changes: r.changes, decidedBy, decidedAt: r.decidedAt?.toISOString() ?? null, note: r.note } : null,
    published: publishedVersion === v.number,
  };
}

const decider = alias(user, "decider");

function versionsQuery(db: Db) {
  return db
    .select({ v: missionVersion, email: user.email, r: versionReview, decidedBy: decider.email })
    .from(missionVersion)
    .leftJoin(user, eq(user.id, missionVersion.authorId))
    .leftJoin(versionReview, eq(versionReview.versionId, missionVersion.id))
    .leftJoin(decider, eq(decider.id, versionReview.decidedBy));
}

export async function listVersions(db: Db, missionId: string): Promise<VersionSummary[]> {
  const m = await requireMission(db, missionId);
  const rows = await versionsQuery(db).where(eq(missionVersion.missionId, missionId)).orderBy(desc(missionVersion.number));
  return rows.map((r) => toVersionSummary(r.v, r.email, r.r, m.publishedVersion, r.decidedBy));
}

export async function getVersion(db: Db, missionId: string, number: number) {
  const m = await requireMission(db, missionId);
  const [row] = await versionsQuery(db).where(and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)));
  if (!row) throw new AppError("not_found", `Mission ${missionId} has no version ${number}`);
  return { ...toVersionSummary(row.v, row.email, row.r, m.publishedVersion, row.decidedBy), graph: row.v.graph };
}

export async function diffVersions(db: Db, missionId: string, from: number, to: number | "draft") {
  const a = await getVersion(db, missionId, from);
  const b = to === "draft" ? (await getMission(db, missionId)).draft : (await getVersion(db, missionId, to)).graph;
  return diffMissions(a.graph, b);
}

/**
 * Imports a mission document: invalid input lists every problem and writes nothing. The answer
 * carries `warnings`: tools no enabled connector offers yet (a connector may be added later).
 */
export async function importMission(db: Db, document: string | unknown, userId: string | null, opts: { message?: string; actor?: AuditActor } = {}) {
  const tools = (await listToolsForBuilder(db)).filter((t) => t.connectorEnabled).map((t) => t.ref);
  const result = typeof document === "string" ? parseMissionDocument(document, { tools }) : validateMission(document, { tools });
  if (!result.graph || result.problems.length) {
    throw new AppError(
      typeof document === "string" && result.problems.some((p) => /too large|exceeds/i.test(p.message)) ? "payload_too_large" : "unprocessable",
      `The mission document has ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}`,
      result.problems,
    );
  }
  const graph = result.graph;
  const id = crypto.randomUUID();
  const versionId = crypto.randomUUID();
  await db.transaction(async (tx) => {
    const now = new Date();
    await tx.insert(mission).values({ id, name: graph.name, description: graph.description, draft: graph, latestVersion: 1, createdBy: userId, createdAt: now, updatedAt: now });
    await tx.insert(missionVersion).values({
      id: versionId,
      missionId: id,
      number: 1,
      graph,
      contentHash: contentHash(graph),
      message: opts.message ?? "Imported",
      authorId: userId,
    });
    await recordAudit(tx, { action: "mission.imported", actor: opts.actor ?? (userId ? { id: userId } : null), targetType: "mission", targetId: id, data: { name: graph.name, version: 1, contentHash: contentHash(graph), nodes: graph.nodes.length } });
    await requestPublication(tx, { missionId: id, versionId, number: 1, graph, authorId: userId, publishedVersion: null });
  });
  return { ...(await getMission(db, id)), warnings: result.warnings };
}

export async function exportMission(db: Db, missionId: string, version?: number): Promise<MissionGraph> {
  if (version !== undefined) return (await getVersion(db, missionId, version)).graph;
  const m = await requireMission(db, missionId);
  if (m.latestVersion === 0) return m.draft;
  return (await getVersion(db, missionId, m.latestVersion)).graph;
}

export async function missionCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(mission);
  return row?.n ?? 0;
}

