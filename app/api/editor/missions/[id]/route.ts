import { getMission } from "@/server/missions/service";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * The mission as the editor opens it (what tRPC's missions.get returns), as plain JSON: the
 * browser preloads it while the page's scripts load and reads it with one JSON.parse, instead of
 * the page carrying a large graph through React's server payload. Any signed-in user with a role
 * may read it, as with missions.get.
 */
export const GET = rest(null, async (ctx) => json(await getMission(ctx.database.db, param(ctx, "id"))));
