import { decideAs } from "@/server/decisions/decide-as";
import { getDecisionDetail } from "@/server/decisions/inbox";
import { getEngineDeps } from "@/server/engine/deps";
import { json, param, readJson, rest } from "@/server/rest/handler";
import { withDecisionErrors } from "../respond";

export const dynamic = "force-dynamic";

/** `GET /api/v1/decisions/{id}` — the decision with its rules, reasoning and whether the key's user may decide it. */
export const GET = rest(null, async (ctx) => withDecisionErrors(async () => json(await getDecisionDetail(ctx.database, param(ctx, "id"), ctx.user))));

/**
 * `POST /api/v1/decisions/{id}` with `{ approve, values?, reason? }`. The role is checked per
 * decision (its approver role, or admin), so this is open to any key and refused by the decisions
 * core when the key's user may not decide: 403 (role, separation of duties), 409 (already decided,
 * already voted), 400 (a value or the reason, naming the field), 404.
 */
export const POST = rest(null, async (ctx) =>
  withDecisionErrors(async () => {
    const body = await readJson(ctx.req);
    const outcome = await decideAs(ctx.database, ctx.user, param(ctx, "id"), body, getEngineDeps().send);
    return json(outcome);
  }),
);
