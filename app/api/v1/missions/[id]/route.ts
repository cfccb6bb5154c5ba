import { getMission, listVersions } from "@/server/missions/service";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

export const GET = rest(null, async (ctx) => {
  const id = param(ctx, "id");
  const mission = await getMission(ctx.database.db, id);
  return json({ ...mission, versions: await listVersions(ctx.database.db, id) });
});
