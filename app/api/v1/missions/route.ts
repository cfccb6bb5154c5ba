import { userActor } from "@/server/audit/record";
import { createMission, importMission, listMissions } from "@/server/missions/service";
import { json, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

export const GET = rest(null, async ({ database, req }) => {
  const includeArchived = new URL(req.url).searchParams.get("archived") === "true";
  return json({ missions: await listMissions(database.db, { includeArchived }) });
});

/** A body with `format` is a mission document to import; otherwise `{ name, description?, template? }`. */
export const POST = rest("builder", async ({ database, req, user }) => {
  const body = await readJson(req);
  const isDocument = typeof body === "object" && body !== null && "format" in body;
  const m = isDocument
    ? await importMission(database.db, body, user.id, { message: "Imported via API", actor: userActor(user) })
    : await createMission(database.db, (body ?? {}) as Parameters<typeof createMission>[1], user.id);
  return json(m, 201, { location: `/api/v1/missions/${m.id}` });
});
