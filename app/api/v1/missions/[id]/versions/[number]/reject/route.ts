import { rejectVersion, requireReviewer } from "@/server/missions/publishing";
import { reviewNote, versionNumberParam } from "@/server/missions/rest";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Rejects a version awaiting review (approver or admin). Body: `{ note }`, the reason, required. Runs keep the published version. */
export const POST = rest(null, async (ctx) => {
  requireReviewer(ctx.user);
  const number = versionNumberParam(ctx);
  const note = (await reviewNote(ctx, true)) ?? "";
  return json(await rejectVersion(ctx.database.db, { missionId: param(ctx, "id"), number, actor: ctx.user, note }));
});
