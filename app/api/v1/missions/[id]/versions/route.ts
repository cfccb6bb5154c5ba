import { userActor } from "@/server/audit/record";
import { AppError } from "@/lib/errors";
import { getMission, listVersions, saveVersion } from "@/server/missions/service";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** `{ versions, publishedVersion }`: each version says whether runs use it and its review state. */
export const GET = rest(null, async (ctx) => {
  const id = param(ctx, "id");
  const versions = await listVersions(ctx.database.db, id);
  return json({ versions, publishedVersion: (await getMission(ctx.database.db, id)).publishedVersion });
});

/** Body: `{ graph?, message? }` — without a graph, the current draft is versioned. */
export const POST = rest("builder", async (ctx) => {
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object `{ graph?, message? }`", [{ path: "body", message: "must be an object" }]);
  }
  const { graph, message } = body as { graph?: unknown; message?: unknown };
  if (message !== undefined && typeof message !== "string") {
    throw new AppError("bad_request", "message must be a string", [{ path: "message", message: "must be a string" }]);
  }
  const v = await saveVersion(ctx.database.db, param(ctx, "id"), { graph, message }, ctx.user.id, { actor: userActor(ctx.user) });
  return json(v, v.unchanged ? 200 : 201);
});
