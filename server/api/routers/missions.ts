import "server-only";
import { userActor } from "@/server/audit/record";
import { z } from "zod";
import { builderProcedure, publisherProcedure, reviewerProcedure, router, viewerProcedure } from "../trpc";
import * as missions from "@/server/missions/service";
import * as publishing from "@/server/missions/publishing";
import { listTemplates } from "@/lib/mission/templates";
import { refuseUnstorableDocument } from "@/lib/storable-text";

const id = z.object({ id: z.string().min(1) });
const versionRef = { id: z.string().min(1), number: z.number().int().positive() };

export const missionsRouter = router({
  list: viewerProcedure
    .input(z.object({ includeArchived: z.boolean().default(false) }).default({ includeArchived: false }))
    .query(({ ctx, input }) => missions.listMissions(ctx.database.db, input)),
  get: viewerProcedure.input(id).query(({ ctx, input }) => missions.getMission(ctx.database.db, input.id)),
  templates: viewerProcedure.query(() => listTemplates().map(({ id, name, description }) => ({ id, name, description }))),
  create: builderProcedure
    .input(z.object({ name: z.string(), description: z.string().optional(), template: z.string().optional() }))
    .mutation(({ ctx, input }) => missions.createMission(ctx.database.db, input, ctx.user.id)),
  rename: builderProcedure
    .input(z.object({ id: z.string().min(1), name: z.string() }))
    .mutation(({ ctx, input }) => missions.renameMission(ctx.database.db, input.id, input.name)),
  setArchived: builderProcedure
    .input(z.object({ id: z.string().min(1), archived: z.boolean() }))
    .mutation(({ ctx, input }) => missions.setArchived(ctx.database.db, input.id, input.archived)),
  saveDraft: builderProcedure
    .input(z.object({ id: z.string().min(1), graph: z.unknown() }))
    .mutation(({ ctx, input }) => missions.saveDraft(ctx.database.db, input.id, input.graph)),
  saveVersion: builderProcedure
    .input(z.object({ id: z.string().min(1), graph: z.unknown().optional(), message: z.string().optional() }))
    .mutation(({ ctx, input }) => missions.saveVersion(ctx.database.db, input.id, input, ctx.user.id, { actor: userActor(ctx.user) })),
  versions: viewerProcedure.input(id).query(({ ctx, input }) => missions.listVersions(ctx.database.db, input.id)),
  version: viewerProcedure
    .input(z.object({ id: z.string().min(1), number: z.number().int().positive() }))
    .query(({ ctx, input }) => missions.getVersion(ctx.database.db, input.id, input.number)),
  diff: viewerProcedure
    .input(z.object({ id: z.string().min(1), from: z.number().int().positive(), to: z.union([z.number().int().positive(), z.literal("draft")]) }))
    .query(({ ctx, input }) => missions.diffVersions(ctx.database.db, input.id, input.from, input.to)),
  import: builderProcedure
    .input(z.object({ document: z.string().max(2_000_000, "document is larger than 2 MB").superRefine(refuseUnstorableDocument) }))
    .mutation(({ ctx, input }) => missions.importMission(ctx.database.db, input.document, ctx.user.id, { actor: userActor(ctx.user) })),
  export: viewerProcedure
    .input(z.object({ id: z.string().min(1), version: z.number().int().positive().optional() }))
    .query(({ ctx, input }) => missions.exportMission(ctx.database.db, input.id, input.version)),
  /** Versions awaiting review (for the Decisions inbox), or one mission's. */
  listReviews: viewerProcedure
    .input(z.object({ missionId: z.string().min(1).optional() }).default({}))
    .query(({ ctx, input }) => publishing.listReviews(ctx.database.db, input)),
  /** One version's review: its governance changes and diff against the published version, and whether the caller may publish it. */
  review: viewerProcedure.input(z.object(versionRef)).query(({ ctx, input }) => publishing.getReview(ctx.database.db, input.id, input.number, ctx.user)),
  publish: publisherProcedure
    .input(z.object({ ...versionRef, note: z.string().optional() }))
    .mutation(({ ctx, input }) => publishing.publishVersion(ctx.database.db, { missionId: input.id, number: input.number, actor: ctx.user, note: input.note })),
  reject: reviewerProcedure
    .input(z.object({ ...versionRef, note: z.string() }))
    .mutation(({ ctx, input }) => publishing.rejectVersion(ctx.database.db, { missionId: input.id, number: input.number, actor: ctx.user, note: input.note })),
});
