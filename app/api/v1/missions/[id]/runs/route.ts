import { AppError } from "@/lib/errors";
import { userActor } from "@/server/audit/record";
import { boundRunView } from "@/server/observations/run-view";
import { getRun, listRuns, startRun } from "@/server/runs";
import { requestedWait, runHasEnded, waitForRunEnd } from "@/server/runs/wait";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * Starts a run of the mission's published version. Body: the trigger input object. → 202 `{ runId }`;
 * with `Prefer: wait=N` or `?wait=5s`, 200 with the finished run (as GET /api/v1/runs/{id}) when it
 * ends within that time, else 202 with its status then.
 */
export const POST = rest("builder", async (ctx) => {
  // Read first: a malformed ?wait starts nothing.
  const wait = requestedWait(ctx.req);
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object with the trigger's fields", [{ path: "body", message: "must be an object" }]);
  }
  const { runId } = await startRun(ctx.database, { missionId: param(ctx, "id"), input: body, channel: "api", userId: ctx.user.id }, { actor: userActor(ctx.user) });
  const link = `/api/v1/runs/${runId}`;
  const applied: Record<string, string> = wait.applied ? { "preference-applied": wait.applied } : {};
  if (wait.ms === 0) return json({ runId, status: "queued", links: { run: link } }, 202, { location: link });
  // The read that sees the end is the answer's.
  const ended = await waitForRunEnd(ctx.database, runId, wait.ms, ctx.req.signal, () => getRun(ctx.database, runId));
  if (ctx.req.signal.aborted) return json({ runId, status: "queued", links: { run: link } }, 202, { location: link });
  // Else one read after the wait: it also sees an end written as the time ran out.
  const run = ended ?? (await getRun(ctx.database, runId));
  if (runHasEnded(run.status)) return json(boundRunView(run), 200, { "content-location": link, ...applied });
  return json({ runId, status: run.status, links: { run: link } }, 202, { location: link, ...applied });
});

export const GET = rest(null, async (ctx) => json(await listRuns(ctx.database, { missionId: param(ctx, "id") })));
