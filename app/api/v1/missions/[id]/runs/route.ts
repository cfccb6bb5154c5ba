import { AppError } from "@/lib/errors";
import { userActor } from "@/server/audit/record";
import { listRuns, startRun } from "@/server/runs";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Starts a run of the mission's published version. Body: the trigger input object. → 202 `{ runId }`. */
export const POST = rest("builder", async (ctx) => {
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object with the trigger's fields", [{ path: "body", message: "must be an object" }]);
  }
  const { runId } = await startRun(ctx.database, { missionId: param(ctx, "id"), input: body, channel: "api", userId: ctx.user.id }, { actor: userActor(ctx.user) });
  return json({ runId, status: "queued", links: { run: `/api/v1/runs/${runId}` } }, 202, { location: `/api/v1/runs/${runId}` });
});

export const GET = rest(null, async (ctx) => json(await listRuns(ctx.database, { missionId: param(ctx, "id") })));
