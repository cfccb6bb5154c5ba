import { AppError } from "@/lib/errors";
import { userActor } from "@/server/audit/record";
import { json, param, readJson, rest } from "@/server/rest/handler";
import { listSuiteRuns, startSuiteRun } from "@/server/test-cases/suites";

export const dynamic = "force-dynamic";

/**
 * Runs every test case of the mission in simulation (docs/testing-missions.md): body `{ versionId? }`,
 * the published version when none is named. → 202 `{ suiteRunId, links }`; the results come as the
 * simulated runs end (GET /api/v1/test-runs/{id}).
 */
export const POST = rest("builder", async (ctx) => {
  const body = (await readJson(ctx.req)) ?? {};
  if (typeof body !== "object" || Array.isArray(body)) throw new AppError("bad_request", "The body must be a JSON object", [{ path: "body", message: "must be an object" }]);
  const { suiteRunId } = await startSuiteRun(ctx.database, { ...(body as Record<string, unknown>), missionId: param(ctx, "id") } as { missionId: string }, ctx.user.id, { actor: userActor(ctx.user) });
  const link = `/api/v1/test-runs/${suiteRunId}`;
  return json({ suiteRunId, links: { suiteRun: link } }, 202, { location: link });
});

export const GET = rest(null, async (ctx) => json({ items: await listSuiteRuns(ctx.database, param(ctx, "id")) }));
