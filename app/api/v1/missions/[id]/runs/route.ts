import { AppError, zodProblems } from "@/lib/errors";
import { userActor } from "@/server/audit/record";
import { boundRunView } from "@/server/observations/run-view";
import { getRun, listRuns, startRun, startRunInput } from "@/server/runs";
import { requestedWait, runHasEnded, waitForRunEnd } from "@/server/runs/wait";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * Starts a run of the mission's published version. Body: the trigger input object; the run's budget
 * in the query (`?tokenBudget=20000&costBudget=0.5`), since every body key is a trigger field, and so
 * are model overrides (`?model=reason:gpt-4o`, one per Worker step). → 202 `{ runId }`;
 * with `Prefer: wait=N` or `?wait=5s`, 200 with the finished run (as GET /api/v1/runs/{id}) when it
 * ends within that time, else 202 with its status then.
 */
export const POST = rest("builder", async (ctx) => {
  // Read first: a malformed ?wait starts nothing.
  const wait = requestedWait(ctx.req);
  const query = new URL(ctx.req.url).searchParams;
  const budget = requestedBudget(query);
  const models = requestedModels(query);
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object with the trigger's fields", [{ path: "body", message: "must be an object" }]);
  }
  const { runId } = await startRun(ctx.database, { missionId: param(ctx, "id"), input: body, channel: "api", userId: ctx.user.id, ...budget, ...models }, { actor: userActor(ctx.user) });
  const link = `/api/v1/runs/${runId}`;
  const applied: Record<string, string> = wait.applied ? { "preference-applied": wait.applied } : {};
  if (wait.ms === 0) return json({ runId, status: "queued", links: { run: link } }, 202, { location: link });
  // The read that sees the end is the answer's; called straight after the start (nothing awaited).
  const ended = await waitForRunEnd(ctx.database, runId, wait.ms, ctx.req.signal, () => getRun(ctx.database, runId), { justStarted: true });
  if (ctx.req.signal.aborted) return json({ runId, status: "queued", links: { run: link } }, 202, { location: link });
  // Else one read after the wait: it also sees an end written as the time ran out.
  const run = ended ?? (await getRun(ctx.database, runId));
  if (runHasEnded(run.status)) return json(boundRunView(run), 200, { "content-location": link, ...applied });
  return json({ runId, status: run.status, links: { run: link } }, 202, { location: link, ...applied });
});

/** `tokenBudget` and `costBudget` from the query, checked as the run service checks them; a bad one is a 400 naming `query.<name>`. */
function requestedBudget(query: URLSearchParams): { tokenBudget?: number; costBudget?: number } {
  const out: { tokenBudget?: number; costBudget?: number } = {};
  for (const name of ["tokenBudget", "costBudget"] as const) {
    const raw = query.get(name);
    if (raw === null) continue;
    const n = raw.trim() === "" ? NaN : Number(raw);
    const path = `query.${name}`;
    if (!Number.isFinite(n)) throw new AppError("bad_request", `${path} must be a number`, [{ path, message: `must be a number (got "${raw.slice(0, 40)}")` }]);
    const checked = startRunInput.shape[name].safeParse(n);
    if (!checked.success) throw new AppError("bad_request", `Invalid ${path}`, zodProblems(checked.error.issues, path));
    out[name] = n;
  }
  return out;
}

/**
 * `?model=<stepId>:<modelId>`, repeatable: the run's model overrides (model ids may hold colons,
 * step ids may not). Malformed or repeated for one step: a 400 naming `query.model`; what the run
 * service refuses (not a Worker, not a registered model) names `modelOverrides.<stepId>`.
 */
function requestedModels(query: URLSearchParams): { modelOverrides?: Record<string, string> } {
  const raw = query.getAll("model");
  if (!raw.length) return {};
  const overrides: Record<string, string> = {};
  for (const value of raw) {
    const at = value.indexOf(":");
    const stepId = at > 0 ? value.slice(0, at).trim() : "";
    const modelId = at > 0 ? value.slice(at + 1).trim() : "";
    if (!stepId || !modelId) {
      throw new AppError("bad_request", "query.model must be <stepId>:<modelId>", [{ path: "query.model", message: `must be <stepId>:<modelId>, e.g. reason:gpt-4o (got "${value.slice(0, 60)}")` }]);
    }
    if (Object.hasOwn(overrides, stepId)) throw new AppError("bad_request", `query.model names ${stepId.slice(0, 64)} twice`, [{ path: "query.model", message: `names step ${stepId.slice(0, 64)} more than once` }]);
    overrides[stepId] = modelId;
  }
  return { modelOverrides: overrides };
}

export const GET = rest(null, async (ctx) => json(await listRuns(ctx.database, { missionId: param(ctx, "id") })));
