import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { adminProcedure, router, viewerProcedure } from "../trpc";
import { userActor } from "@/server/audit/record";
import {
  createCollection,
  createCollectionInput,
  embeddingProgress,
  deleteDocument,
  getClause,
  getDocument,
  grantCollection,
  grantInput,
  listCollections,
  listDocuments,
  revokeCollection,
  searchKnowledgeHybrid,
  uploadDocument,
  uploadDocumentInput,
} from "@/server/knowledge";

const id = z.object({ id: z.string().min(1, "must not be empty").max(200) });

export const knowledgeRouter = router({
  /** Every document with its clause count, newest change first. */
  list: adminProcedure.query(({ ctx }) => listDocuments(ctx.database)),
  /** A document (by id or slug) with its source and clauses. */
  get: adminProcedure.input(id).query(({ ctx, input }) => getDocument(ctx.database, input.id)),
  /** Adds a Markdown or plain-text document, or replaces the one with the same slug. */
  upload: adminProcedure.input(uploadDocumentInput).mutation(({ ctx, input }) => uploadDocument(ctx.database, input, userActor(ctx.user))),
  delete: adminProcedure.input(id).mutation(({ ctx, input }) => deleteDocument(ctx.database, input.id, userActor(ctx.user))),
  /** Hybrid (or keyword-only) search, the same ranking Workers get from the knowledge connector. */
  search: adminProcedure
    .input(z.object({ query: z.string().max(1_000, "must be at most 1000 characters"), limit: z.number().int().min(1).max(50).default(10) }))
    .query(async ({ ctx, input }) => (await searchKnowledgeHybrid(ctx.database, input.query, input.limit)).hits),
  /** How far the embedding model has got, whether search is hybrid, and why not. */
  embeddings: adminProcedure.query(({ ctx }) => embeddingProgress(ctx.database)),
  /** Collections with their document counts and the missions granted to search them ("*": every mission). */
  collections: adminProcedure.query(({ ctx }) => listCollections(ctx.database)),
  createCollection: adminProcedure.input(createCollectionInput).mutation(({ ctx, input }) => createCollection(ctx.database, input, userActor(ctx.user))),
  /** Lets a mission's Workers search a collection (missionId "*": every mission's). */
  grant: adminProcedure.input(grantInput).mutation(({ ctx, input }) => grantCollection(ctx.database, input, userActor(ctx.user))),
  revoke: adminProcedure.input(grantInput).mutation(({ ctx, input }) => revokeCollection(ctx.database, input, userActor(ctx.user))),
  /** One clause by id, for citation links: anyone signed in may read what a run cited. */
  clause: viewerProcedure.input(id).query(async ({ ctx, input }) => {
    const clause = await getClause(ctx.database, input.id);
    if (!clause) throw new TRPCError({ code: "NOT_FOUND", message: `No clause ${input.id}` });
    return clause;
  }),
});
