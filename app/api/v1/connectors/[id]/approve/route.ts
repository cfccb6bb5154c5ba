import { AppError } from "@/lib/errors";
import { requestActor } from "@/server/audit/record";
import { approveAudited } from "@/server/connectors/admin";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * `{ tools: [{ name, hash }] }`: approves those tools, each as it was shown (its definition hash
 * from the test, refresh or connector answer). A tool changed since is refused (409) and nothing
 * is approved.
 */
export const POST = rest("admin", async (ctx) => {
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object: { tools: [{ name, hash }] }", [{ path: "body", message: "must be an object with tools" }]);
  }
  const extra = Object.keys(body).filter((k) => k !== "tools");
  if (extra.length) {
    throw new AppError(
      "bad_request",
      `Unknown field${extra.length === 1 ? "" : "s"} ${extra.join(", ")}: send { tools: [{ name, hash }] }`,
      extra.map((k) => ({ path: k, message: "is not a field of this request (send tools: [{ name, hash }])" })),
    );
  }
  const { tools } = body as { tools?: unknown };
  return json(await approveAudited(ctx.database, param(ctx, "id"), { seen: tools }, requestActor(ctx.user, ctx.req.headers)));
});
