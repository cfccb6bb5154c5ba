import "server-only";
import crypto from "node:crypto";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import { diffMissions, type MissionDiff } from "@/lib/mission/diff";
import { governanceChanges, governanceJson, governsNothing } from "@/lib/mission/governance";
import { missionGraphSchema, type MissionGraph, type Role } from "@/lib/mission/schema";
import { recordAudit, userActor, type AuditActor } from "@/server/audit/record";
import type { Db, DbOrTx } from "@/server/db/database";
import { mission, missionVersion, user, versionReview, type VersionReviewStatus } from "@/server/db/schema";
import { suiteGateRefusal } from "@/server/test-cases/judge";
import { requireCallsSound } from "./calls";

/**
 * Reviewed publishing (docs/mission-format.md, "Publishing"). Runs use a mission's published
 * version only. A saved version whose governance (lib/mission/governance.ts) equals the published
 * one's, or that governs nothing, is published by its author at once; any other waits until an
 * approver or admin who did not write it publishes it. Versions are immutable, so this state
 * lives in version_review.
 */

export function governanceHash(graph: MissionGraph): string {
  return crypto.createHash("sha256").update(governanceJson(graph)).digest("hex");
}

/** Who publishes or rejects: their id and every role they hold. */
export interface ReviewActor {
  id: string | null;
  roles: readonly Role[];
  /** A signed-in user's email and the API key they used, so the audit names the key. */
  email?: string;
  apiKey?: { id: string; prefix: string };
}

/** The outcome of saving a version, for the person who saved it. */
export interface PublicationRequest {
  status: VersionReviewStatus;
  /** Governance changes against the version published when this one was saved. */
  changes: string[];
  /** The version runs use now. */
  publishedVersion: number | null;
}

const REVIEWER_ROLES: readonly Role[] = ["approver", "admin"];
const PUBLISHER_ROLES: readonly Role[] = ["builder", "approver", "admin"];
const holdsAny = (actor: ReviewActor, roles: readonly Role[]) => actor.roles.some((r) => roles.includes(r));

/** Refuses anyone who could publish nothing at all (viewers), before anything is read. */
export function requirePublisher(actor: ReviewActor): void {
  if (!holdsAny(actor, PUBLISHER_ROLES)) throw new AppError("forbidden", "Publishing needs the builder, approver or admin role");
}

/** Refuses anyone but approvers and admins, before anything is read. */
export function requireReviewer(actor: ReviewActor): void {
  if (!holdsAny(actor, REVIEWER_ROLES)) throw new AppError("forbidden", "Rejecting a version needs the approver or admin role");
}

function parsedGraph(raw: unknown): MissionGraph | null {
  const parsed = missionGraphSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

async function graphOf(tx: DbOrTx, missionId: string, number: number | null): Promise<MissionGraph | null> {
  if (number === null) return null;
  const [row] = await tx
    .select({ graph: missionVersion.graph })
    .from(missionVersion)
    .where(and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)));
  return row ? parsedGraph(row.graph) : null;
}

const actorOf = (id: string | null): AuditActor => (id ? { id } : { id: null, label: "system" });
const reviewerActor = (a: ReviewActor): AuditActor => (a.id && a.email ? userActor({ id: a.id, email: a.email, ...(a.apiKey ? { apiKey: a.apiKey } : {}) }) : actorOf(a.id));

/**
 * Records whether a version just saved runs at once or waits for review. Call it in the
 * transaction that inserted the version, with the mission row locked.
 */
export async function requestPublication(
  tx: DbOrTx,
  v: { missionId: string; versionId: string; number: number; graph: MissionGraph; authorId: string | null; publishedVersion: number | null },
): Promise<PublicationRequest> {
  // Compared with the published version's graph itself: a stored hash could have been edited.
  const published = await graphOf(tx, v.missionId, v.publishedVersion);
  const hash = governanceHash(v.graph);
  const unchanged = published !== null && governanceHash(published) === hash;
  const inert = governsNothing(v.graph);
  const now = new Date();
  const [m] = await tx.select({ gated: mission.requirePassingSuite }).from(mission).where(eq(mission.id, v.missionId));
  // Under the suite gate nothing goes into use on save: the version waits for its suite and a publisher.
  if ((unchanged || inert) && !m?.gated) {
    const note = unchanged ? "No governance change" : "Governs nothing: no tools, no approvals, not on the portal";
    await tx.insert(versionReview).values({
      versionId: v.versionId,
      missionId: v.missionId,
      status: "published",
      governanceHash: hash,
      changes: [],
      requestedBy: v.authorId,
      requestedAt: now,
      decidedBy: v.authorId,
      decidedAt: now,
      note,
    });
    await tx.update(mission).set({ publishedVersion: v.number }).where(eq(mission.id, v.missionId));
    await recordAudit(tx, {
      action: "mission.version_published",
      actor: actorOf(v.authorId),
      targetType: "mission",
      targetId: v.missionId,
      data: { version: v.number, versionId: v.versionId, previous: v.publishedVersion, reviewed: false, reason: note },
    });
    return { status: "published", changes: [], publishedVersion: v.number };
  }
  const listed = governanceChanges(published, v.graph);
  // Equal views list nothing; unequal ones always list something, but never let a gap hide a change.
  const changes = [...(listed.length ? listed : unchanged || inert ? [] : ["Governance settings changed"]), ...(m?.gated ? [SUITE_GATE_CHANGE] : [])];
  await tx.insert(versionReview).values({ versionId: v.versionId, missionId: v.missionId, status: "awaiting_review", governanceHash: hash, changes, requestedBy: v.authorId, requestedAt: now });
  await recordAudit(tx, {
    action: "mission.review_requested",
    actor: actorOf(v.authorId),
    targetType: "mission",
    targetId: v.missionId,
    data: { version: v.number, versionId: v.versionId, publishedVersion: v.publishedVersion, changes },
  });
  return { status: "awaiting_review", changes, publishedVersion: v.publishedVersion };
}

/** The review's change line for a version held by its mission's suite gate. */
export const SUITE_GATE_CHANGE = "Waits for a passing test suite (the mission publishes only versions whose suite passed)";

export const suiteGateInput = z.object({ missionId: z.string().min(1, "must not be empty").max(100), requirePassingSuite: z.boolean() });

/**
 * Turns the mission's suite gate on or off. Any publisher may turn it on; turning it off loosens
 * governance, so it takes an approver or admin. Audited as `mission.suite_gate_changed`.
 */
export async function setSuiteGate(db: Db, raw: z.input<typeof suiteGateInput>, actor: ReviewActor): Promise<{ missionId: string; requirePassingSuite: boolean }> {
  const parsed = suiteGateInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid suite gate", zodProblems(parsed.error.issues));
  const req = parsed.data;
  requirePublisher(actor);
  if (!req.requirePassingSuite && !holdsAny(actor, REVIEWER_ROLES)) {
    throw new AppError("forbidden", "Turning the suite gate off loosens governance: it needs the approver or admin role", [{ path: "requirePassingSuite", message: "only an approver or admin may turn it off" }]);
  }
  return db.transaction(async (tx) => {
    const [m] = await tx.select({ id: mission.id, gated: mission.requirePassingSuite }).from(mission).where(eq(mission.id, req.missionId)).for("update");
    if (!m) throw new AppError("not_found", `No mission ${req.missionId}`, [{ path: "missionId", message: "no such mission" }]);
    if (m.gated !== req.requirePassingSuite) {
      await tx.update(mission).set({ requirePassingSuite: req.requirePassingSuite, updatedAt: new Date() }).where(eq(mission.id, m.id));
      await recordAudit(tx, { action: "mission.suite_gate_changed", actor: reviewerActor(actor), targetType: "mission", targetId: m.id, data: { requirePassingSuite: req.requirePassingSuite } });
    }
    return { missionId: m.id, requirePassingSuite: req.requirePassingSuite };
  });
}

/**
 * Publishes a version as the system, without review: the demo seed and test set-ups, never a
 * person's request. Call it in the version's transaction or right after it.
 */
export async function publishAsSystem(db: DbOrTx, missionId: string, number: number, note: string): Promise<void> {
  const [v] = await db
    .select({ id: missionVersion.id, graph: missionVersion.graph })
    .from(missionVersion)
    .where(and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)));
  if (!v) throw new AppError("not_found", `Mission ${missionId} has no version ${number}`);
  const now = new Date();
  const values = { status: "published" as const, governanceHash: governanceHash(v.graph), decidedBy: null, decidedAt: now, note };
  await db
    .insert(versionReview)
    .values({ versionId: v.id, missionId, changes: [], requestedBy: null, requestedAt: now, ...values })
    .onConflictDoUpdate({ target: versionReview.versionId, set: values });
  await db.update(mission).set({ publishedVersion: number }).where(eq(mission.id, missionId));
  await recordAudit(db, { action: "mission.version_published", actor: null, targetType: "mission", targetId: missionId, data: { version: number, versionId: v.id, reviewed: false, reason: note } });
}

/** What publishing needs to know about a version and its mission. */
export interface ReviewState {
  number: number;
  status: VersionReviewStatus | null;
  authorId: string | null;
  requestedBy: string | null;
  publishedVersion: number | null;
  decidedByLabel?: string | null;
  note?: string | null;
}

/**
 * Why `actor` may not publish the version, or null when they may. One rule for the service and the
 * pages that offer the button:
 * - a version published before goes back into use by any builder, approver or admin (a rollback
 *   to reviewed content);
 * - a version awaiting review needs an approver or admin who neither wrote it nor asked for it,
 *   and must be newer than the published one.
 */
export function publishRefusal(actor: ReviewActor, s: ReviewState): { code: "forbidden" | "conflict"; message: string } | null {
  const v = `Version ${s.number}`;
  if (!holdsAny(actor, PUBLISHER_ROLES)) return { code: "forbidden", message: "Publishing needs the builder, approver or admin role" };
  switch (s.status) {
    case null:
      return { code: "conflict", message: `${v} was saved before reviewed publishing and never published: save it again to have it reviewed` };
    case "rejected":
      return {
        code: "conflict",
        message: `${v} was rejected${s.decidedByLabel ? ` by ${s.decidedByLabel}` : ""}${s.note ? `: ${s.note}` : ""}. Save a new version to ask again`,
      };
    case "published":
      return s.publishedVersion === s.number ? { code: "conflict", message: `${v} is already the published version` } : null;
    case "awaiting_review":
      // The author hears first that it is about them, whatever roles they hold.
      if (actor.id !== null && (actor.id === s.authorId || actor.id === s.requestedBy)) {
        return { code: "forbidden", message: `You saved it: an approver or admin other than its author must publish ${v.toLowerCase()}` };
      }
      if (!holdsAny(actor, REVIEWER_ROLES)) return { code: "forbidden", message: `${v} changes governance: an approver or admin must publish it` };
      if (s.publishedVersion !== null && s.number <= s.publishedVersion) {
        return { code: "conflict", message: `${v} is older than the published version ${s.publishedVersion}: review the newer version instead` };
      }
      return null;
  }
}

const noteSchema = z.string().max(2_000, "must be at most 2000 characters");
const reasonSchema = z.string().trim().min(1, "say why it is rejected").max(2_000, "must be at most 2000 characters");

async function lockedState(tx: DbOrTx, missionId: string, number: number) {
  const [m] = await tx.select().from(mission).where(eq(mission.id, missionId)).for("update");
  if (!m) throw new AppError("not_found", `No mission ${missionId}`);
  const decider = alias(user, "decider");
  const [row] = await tx
    .select({ v: missionVersion, r: versionReview, deciderLabel: decider.name })
    .from(missionVersion)
    .leftJoin(versionReview, eq(versionReview.versionId, missionVersion.id))
    .leftJoin(decider, eq(decider.id, versionReview.decidedBy))
    .where(and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)));
  if (!row) throw new AppError("not_found", `Mission ${missionId} has no version ${number}`, [{ path: "number", message: "no such version" }]);
  const state: ReviewState = {
    number,
    status: row.r?.status ?? null,
    authorId: row.v.authorId,
    requestedBy: row.r?.requestedBy ?? null,
    publishedVersion: m.publishedVersion,
    decidedByLabel: row.deciderLabel,
    note: row.r?.note ?? null,
  };
  return { m, v: row.v, r: row.r, state };
}

export interface ReviewOutcome {
  missionId: string;
  number: number;
  status: VersionReviewStatus;
  publishedVersion: number | null;
}

/** Puts a version into use: a reviewed one (see publishRefusal for who may) or a rollback. */
export async function publishVersion(db: Db, req: { missionId: string; number: number; actor: ReviewActor; note?: string }): Promise<ReviewOutcome> {
  requirePublisher(req.actor);
  const note = noteSchema.safeParse(req.note ?? "");
  if (!note.success) throw new AppError("bad_request", "Invalid note", zodProblems(note.error.issues, "note"));
  return db.transaction(async (tx) => {
    const { m, v, r, state } = await lockedState(tx, req.missionId, req.number);
    const refusal = publishRefusal(req.actor, state);
    if (refusal) throw new AppError(refusal.code, refusal.message);
    // What it calls may have changed since it was saved (a cycle through a version published meanwhile).
    await requireCallsSound(tx, m.id, m.name, missionGraphSchema.parse(v.graph), `Version ${req.number} cannot be published`);
    const rollback = state.status === "published";
    // The mission's suite gate (docs/testing-missions.md): a new version goes into use only once its
    // test suite passed in simulation. A rollback returns to a version that was in use already.
    const gate = m.requirePassingSuite && !rollback ? await suiteGateRefusal(tx, v.id, req.number) : null;
    if (gate) throw new AppError("conflict", gate, [{ path: "number", message: "its test suite has not passed" }]);
    if (!rollback) {
      await tx.update(versionReview).set({ status: "published", decidedBy: req.actor.id, decidedAt: new Date(), note: note.data.trim() || null }).where(eq(versionReview.versionId, v.id));
    }
    await tx.update(mission).set({ publishedVersion: req.number, updatedAt: new Date() }).where(eq(mission.id, m.id));
    await recordAudit(tx, {
      action: "mission.version_published",
      actor: reviewerActor(req.actor),
      targetType: "mission",
      targetId: m.id,
      data: { version: req.number, versionId: v.id, previous: m.publishedVersion, reviewed: !rollback, rollback, changes: r?.changes ?? [], note: note.data.trim() || null },
    });
    return { missionId: m.id, number: req.number, status: "published", publishedVersion: req.number };
  });
}

/** Refuses a version awaiting review, with the reason the author will read. Runs keep the published version. */
export async function rejectVersion(db: Db, req: { missionId: string; number: number; actor: ReviewActor; note: string }): Promise<ReviewOutcome> {
  requireReviewer(req.actor);
  const note = reasonSchema.safeParse(req.note ?? "");
  if (!note.success) throw new AppError("bad_request", "Say why the version is rejected", zodProblems(note.error.issues, "note"));
  return db.transaction(async (tx) => {
    const { m, v, r, state } = await lockedState(tx, req.missionId, req.number);
    if (state.status !== "awaiting_review") {
      throw new AppError("conflict", `Version ${req.number} is ${state.status === null ? "not under review" : state.status.replace("_", " ")}: only a version awaiting review can be rejected`);
    }
    await tx.update(versionReview).set({ status: "rejected", decidedBy: req.actor.id, decidedAt: new Date(), note: note.data }).where(eq(versionReview.versionId, v.id));
    await recordAudit(tx, {
      action: "mission.version_rejected",
      actor: reviewerActor(req.actor),
      targetType: "mission",
      targetId: m.id,
      data: { version: req.number, versionId: v.id, note: note.data, changes: r?.changes ?? [] },
    });
    return { missionId: m.id, number: req.number, status: "rejected", publishedVersion: m.publishedVersion };
  });
}

export interface PendingReview {
  missionId: string;
  missionName: string;
  versionId: string;
  number: number;
  message: string;
  changes: string[];
  requestedBy: string | null;
  requestedByName: string | null;
  requestedByEmail: string | null;
  requestedAt: string;
  publishedVersion: number | null;
}

/** Versions awaiting review that could still be published (newer than the published one), oldest request first. */
export async function listReviews(db: Db, opts: { missionId?: string } = {}): Promise<PendingReview[]> {
  const rows = await db
    .select({ r: versionReview, v: missionVersion, m: mission, name: user.name, email: user.email })
    .from(versionReview)
    .innerJoin(missionVersion, eq(missionVersion.id, versionReview.versionId))
    .innerJoin(mission, eq(mission.id, versionReview.missionId))
    .leftJoin(user, eq(user.id, versionReview.requestedBy))
    .where(
      and(
        eq(versionReview.status, "awaiting_review"),
        isNull(mission.archivedAt),
        gt(missionVersion.number, sql`coalesce(${mission.publishedVersion}, 0)`),
        opts.missionId ? eq(mission.id, opts.missionId) : undefined,
      ),
    )
    .orderBy(versionReview.requestedAt, desc(missionVersion.number));
  return rows.map((x) => ({
    missionId: x.m.id,
    missionName: x.m.name,
    versionId: x.v.id,
    number: x.v.number,
    message: x.v.message,
    changes: x.r.changes,
    requestedBy: x.r.requestedBy,
    requestedByName: x.name,
    requestedByEmail: x.email,
    requestedAt: x.r.requestedAt.toISOString(),
    publishedVersion: x.m.publishedVersion,
  }));
}

export interface VersionReviewPage {
  missionId: string;
  missionName: string;
  number: number;
  versionId: string;
  message: string;
  authorName: string | null;
  authorEmail: string | null;
  createdAt: string;
  status: VersionReviewStatus | null;
  /** As recorded when the version was saved (against the version published then). */
  requestedChanges: string[];
  decidedByName: string | null;
  decidedAt: string | null;
  note: string | null;
  publishedVersion: number | null;
  /** Against the version published now, which may have moved since the request. */
  changes: string[];
  graph: MissionGraph;
  publishedGraph: MissionGraph | null;
  diff: MissionDiff | null;
  /** Why the viewer may not publish it, or null when they may. */
  publishRefusal: string | null;
  /** Why the viewer may not reject it, or null when they may. */
  rejectRefusal: string | null;
}

/** One version's review as the review page shows it to `viewer`. */
export async function getReview(db: Db, missionId: string, number: number, viewer: ReviewActor): Promise<VersionReviewPage> {
  const [m] = await db.select().from(mission).where(eq(mission.id, missionId));
  if (!m) throw new AppError("not_found", `No mission ${missionId}`);
  const author = alias(user, "author");
  const decider = alias(user, "decider");
  const [row] = await db
    .select({ v: missionVersion, r: versionReview, authorName: author.name, authorEmail: author.email, deciderName: decider.name })
    .from(missionVersion)
    .leftJoin(versionReview, eq(versionReview.versionId, missionVersion.id))
    .leftJoin(author, eq(author.id, missionVersion.authorId))
    .leftJoin(decider, eq(decider.id, versionReview.decidedBy))
    .where(and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)));
  if (!row) throw new AppError("not_found", `Mission ${missionId} has no version ${number}`, [{ path: "number", message: "no such version" }]);
  const graph = parsedGraph(row.v.graph) ?? row.v.graph;
  const publishedGraph = m.publishedVersion !== null && m.publishedVersion !== number ? await graphOf(db, missionId, m.publishedVersion) : null;
  const state: ReviewState = {
    number,
    status: row.r?.status ?? null,
    authorId: row.v.authorId,
    requestedBy: row.r?.requestedBy ?? null,
    publishedVersion: m.publishedVersion,
    decidedByLabel: row.deciderName,
    note: row.r?.note ?? null,
  };
  const rejectRefusal = !holdsAny(viewer, REVIEWER_ROLES)
    ? "Rejecting needs the approver or admin role"
    : state.status !== "awaiting_review"
      ? "Only a version awaiting review can be rejected"
      : null;
  return {
    missionId,
    missionName: m.name,
    number,
    versionId: row.v.id,
    message: row.v.message,
    authorName: row.authorName,
    authorEmail: row.authorEmail,
    createdAt: row.v.createdAt.toISOString(),
    status: state.status,
    requestedChanges: row.r?.changes ?? [],
    decidedByName: row.deciderName,
    decidedAt: row.r?.decidedAt?.toISOString() ?? null,
    note: row.r?.note ?? null,
    publishedVersion: m.publishedVersion,
    changes: m.publishedVersion === number ? [] : governanceChanges(publishedGraph, graph),
    graph,
    publishedGraph,
    diff: publishedGraph ? diffMissions(publishedGraph, graph) : null,
    publishRefusal: publishRefusal(viewer, state)?.message ?? null,
    rejectRefusal,
  };
}
