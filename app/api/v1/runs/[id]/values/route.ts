import { runValue } from "@/server/observations/run-values";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * `GET /api/v1/runs/{id}/values?part=input|verdict|node.<nodeId>|observation.<id>`: the whole of one
 * of the run's values, as a JSON file. The run page links here from a value too large to show.
 */
export const GET = rest(null, async (ctx) => {
  const runId = param(ctx, "id");
  const part = new URL(ctx.req.url).searchParams.get("part");
  const value = await runValue(ctx.database, runId, part);
  const file = `run-${runId}-${part}`.replace(/[^\w.-]/g, "_");
  return json(value ?? null, 200, { "content-disposition": `attachment; filename="${file}.json"` });
});
