import "server-only";
import { z } from "zod";
import { userActor } from "@/server/audit/record";
import {
  createModelAudited,
  createProviderAudited,
  deleteModelAudited,
  deleteProviderAudited,
  modelsForBuilder,
  modelsOverview,
  setDefaultModelAudited,
  testModelScrubbed,
  updateModelAudited,
  updateProviderAudited,
} from "@/server/models/admin";
import { createModelInput, createProviderInput, updateModelInput, updateProviderInput } from "@/server/models/service";
import { adminProcedure, builderProcedure, router } from "../trpc";

// The model settings' procedures, thin over server/models/admin.ts.

const idInput = z.object({ id: z.string().min(1, "must not be empty") });

export const modelsRouter = router({
  list: adminProcedure.query(({ ctx }) => modelsOverview(ctx.database)),

  createProvider: adminProcedure.input(createProviderInput).mutation(({ ctx, input }) => createProviderAudited(ctx.database, input, userActor(ctx.user))),

  /** `apiKey` absent keeps the stored key, `null` removes it, a string replaces it. */
  updateProvider: adminProcedure.input(updateProviderInput.extend({ id: z.string().min(1, "must not be empty") })).mutation(({ ctx, input }) => {
    const { id, ...patch } = input;
    return updateProviderAudited(ctx.database, id, patch, userActor(ctx.user));
  }),

  /** Deletes the provider and its models. */
  deleteProvider: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteProviderAudited(ctx.database, input.id, userActor(ctx.user))),

  createModel: adminProcedure.input(createModelInput).mutation(({ ctx, input }) => createModelAudited(ctx.database, input, userActor(ctx.user))),

  updateModel: adminProcedure.input(updateModelInput.extend({ id: z.string().min(1, "must not be empty") })).mutation(({ ctx, input }) => {
    const { id, ...patch } = input;
    return updateModelAudited(ctx.database, id, patch, userActor(ctx.user));
  }),

  deleteModel: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteModelAudited(ctx.database, input.id, userActor(ctx.user))),

  /** Makes the model the one Workers with an empty model field use. */
  setDefault: adminProcedure.input(idInput).mutation(({ ctx, input }) => setDefaultModelAudited(ctx.database, input.id, userActor(ctx.user))),

  /** Sends a tiny request; failures come back as `{ ok: false, error }`, not as errors. */
  test: adminProcedure.input(idInput).mutation(({ ctx, input }) => testModelScrubbed(ctx.database, input.id)),

  /** Registered models for the editor's model picker: ids and labels only. */
  listForBuilder: builderProcedure.query(({ ctx }) => modelsForBuilder(ctx.database)),
});
