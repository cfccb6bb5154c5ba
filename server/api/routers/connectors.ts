import "server-only";
import { z } from "zod";
import { userActor } from "@/server/audit/record";
import { TOOL_POLICIES } from "@/server/db/schema";
import {
  approveAudited,
  connectorPage,
  createConnectorAudited,
  deleteConnectorAudited,
  listConnectorsScrubbed,
  refreshAudited,
  scrubbed,
  setEnabledAudited,
  setPolicyAudited,
  testConnectorAudited,
  toolsForBuilderScrubbed,
  updateConnectorAudited,
} from "@/server/connectors/admin";
import { createConnectorInput, seenToolsInput, updateConnectorInput } from "@/server/connectors/service";
import { adminProcedure, builderProcedure, router } from "../trpc";

// The connector procedures, thin over server/connectors/admin.ts (the REST routes under
// app/api/v1/connectors call the same functions).

const idInput = z.object({ id: z.string().min(1, "must not be empty") });

export const connectorsRouter = router({
  list: adminProcedure.query(({ ctx }) => listConnectorsScrubbed(ctx.database)),

  get: adminProcedure.input(idInput).query(({ ctx, input }) => connectorPage(ctx.database, input.id)),

  create: adminProcedure.input(createConnectorInput).mutation(({ ctx, input }) => createConnectorAudited(ctx.database, input, userActor(ctx.user))),

  update: adminProcedure.input(updateConnectorInput.extend({ id: z.string().min(1, "must not be empty") })).mutation(({ ctx, input }) => {
    const { id, ...patch } = input;
    return scrubbed(ctx.database, [id], () => updateConnectorAudited(ctx.database, id, patch, userActor(ctx.user)));
  }),

  delete: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteConnectorAudited(ctx.database, input.id, userActor(ctx.user))),

  setEnabled: adminProcedure
    .input(idInput.extend({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => scrubbed(ctx.database, [input.id], () => setEnabledAudited(ctx.database, input.id, input.enabled, userActor(ctx.user)))),

  /** Connects with the stored configuration, lists the tools and records them for review. */
  test: adminProcedure.input(idInput).mutation(({ ctx, input }) => testConnectorAudited(ctx.database, input.id, userActor(ctx.user))),

  /** Reads the server's tools and records new, changed and removed ones for review. */
  refresh: adminProcedure.input(idInput).mutation(({ ctx, input }) => refreshAudited(ctx.database, input.id, userActor(ctx.user))),

  /**
   * Pins tools: `tools` as the admin saw them (name and definition hash; a tool changed since is
   * refused), or `names` / nothing for the current definitions of those / all listed tools.
   */
  approve: adminProcedure
    .input(
      idInput
        .extend({ names: z.array(z.string().min(1)).max(1_000).optional(), tools: seenToolsInput.optional() })
        .refine((v) => !(v.names && v.tools), { path: ["names"], message: "send either names or tools, not both" }),
    )
    .mutation(({ ctx, input }) =>
      approveAudited(ctx.database, input.id, input.tools ? { seen: input.tools } : { names: input.names }, userActor(ctx.user)),
    ),

  /**
   * Sets a tool's policy; `null` goes back to what its annotations imply. Making a state-changing
   * tool autonomous needs `confirmLoosen: true` and is audited as `connector.policy_loosened`.
   */
  setPolicy: adminProcedure
    .input(idInput.extend({ tool: z.string().min(1, "must not be empty"), policy: z.enum(TOOL_POLICIES).nullable(), confirmLoosen: z.boolean().optional() }))
    .mutation(({ ctx, input }) => scrubbed(ctx.database, [input.id], () => setPolicyAudited(ctx.database, input, userActor(ctx.user)))),

  /** Pinned tools for the editor's tool picker (builders). */
  toolsForBuilder: builderProcedure.query(({ ctx }) => toolsForBuilderScrubbed(ctx.database)),
});
