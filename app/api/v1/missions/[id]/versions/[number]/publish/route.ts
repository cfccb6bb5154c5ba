import { publishVersion, requirePublisher } from "@/server/missions/publishing";
import { reviewNote, versionNumberParam } from "@/server/missions/rest";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * Publishes a version, so runs use it. Body (optional): `{ note? }`. A version that changes
 * governance needs an approver or admin other than its author; a version published before may be
 * put back by any builder, approver or admin (the service decides, and answers 403 or 409 saying why).
 */
export const POST = rest(null, async (ctx) => {
  requirePublisher(ctx.user);
  const number = versionNumberParam(ctx);
  const note = await reviewNote(ctx, false);
  return json(await publishVersion(ctx.database.db, { missionId: param(ctx, "id"), number, actor: ctx.user, ...(note !== undefined ? { note } : {}) }));
});
