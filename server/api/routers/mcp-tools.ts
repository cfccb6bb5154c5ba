import "server-only";
import { z } from "zod";
import { userActor } from "@/server/audit/record";
import { isOffered, listExposedTools, restoreExposedTool, revokeExposedTool } from "@/server/mcp-server/exposed";
import { adminProcedure, router } from "../trpc";

// Settings → MCP tools: the missions exposed to AI assistants, and an admin's switch to stop
// offering one (without a new version) and to offer it again.

export const mcpToolsRouter = router({
  list: adminProcedure.query(async ({ ctx }) =>
    (await listExposedTools(ctx.database)).map((t) => ({
      missionId: t.missionId,
      missionName: t.missionName,
      name: t.name,
      description: t.description,
      versionNumber: t.versionNumber,
      inputs: t.fields.map((f) => f.name),
      revoked: t.revoked,
      shadowedBy: t.shadowedBy,
      offered: isOffered(t),
    })),
  ),
  revoke: adminProcedure.input(z.object({ missionId: z.string().min(1).max(100) })).mutation(({ ctx, input }) => revokeExposedTool(ctx.database, input.missionId, userActor(ctx.user))),
  restore: adminProcedure.input(z.object({ missionId: z.string().min(1).max(100) })).mutation(({ ctx, input }) => restoreExposedTool(ctx.database, input.missionId, userActor(ctx.user))),
});
