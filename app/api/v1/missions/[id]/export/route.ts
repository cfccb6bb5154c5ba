import { AppError } from "@/lib/errors";
import { exportMission } from "@/server/missions/service";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

export const GET = rest(null, async (ctx) => {
  const raw = new URL(ctx.req.url).searchParams.get("version");
  let version: number | undefined;
  if (raw !== null) {
    version = Number(raw);
    if (!Number.isInteger(version) || version < 1) throw new AppError("bad_request", "version must be a positive integer", [{ path: "version", message: "must be a positive integer" }]);
  }
  const graph = await exportMission(ctx.database.db, param(ctx, "id"), version);
  return json(graph, 200, { "content-disposition": `attachment; filename="mission.json"` });
});
