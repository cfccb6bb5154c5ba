import { getRun } from "@/server/runs";
import { boundRunView } from "@/server/observations/run-view";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * Status, verdict, per-node states and times of a run. A value over 64 KB (input, a node's output)
 * is a `{ "$truncated": { bytes, preview, download } }` stand-in; `download` is its `…/values` link.
 */
export const GET = rest(null, async (ctx) => json(boundRunView(await getRun(ctx.database, param(ctx, "id")))));
