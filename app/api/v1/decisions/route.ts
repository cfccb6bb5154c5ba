import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import { listDecisionInbox, listDecisionsInput } from "@/server/decisions/inbox";
import { json, rest } from "@/server/rest/handler";
import { withDecisionErrors } from "./respond";

export const dynamic = "force-dynamic";

const query = listDecisionsInput.extend({ limit: z.coerce.number().int().min(1).max(200).default(100) });

/**
 * `GET /api/v1/decisions?status=pending&missionId=&kind=approval|tool&scope=mine|all&limit=` —
 * by default the pending decisions the key's user may decide, soonest due first.
 */
export const GET = rest(null, async (ctx) =>
  withDecisionErrors(async () => {
    const params = Object.fromEntries(new URL(ctx.req.url).searchParams);
    const parsed = query.safeParse(params);
    if (!parsed.success) throw new AppError("bad_request", "Invalid query", zodProblems(parsed.error.issues));
    const result = await listDecisionInbox(ctx.database, ctx.user, parsed.data);
    return json({ decisions: result.items, pendingForMe: result.pendingForMe });
  }),
);
