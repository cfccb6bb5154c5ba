import { json, param, rest } from "@/server/rest/handler";
import { getSuiteRun } from "@/server/test-cases/suites";

export const dynamic = "force-dynamic";

/** A suite run: each case passed, failed (the expectation that failed and why) or still running, with tokens, cost and time. */
export const GET = rest(null, async (ctx) => json(await getSuiteRun(ctx.database, param(ctx, "id"))));
