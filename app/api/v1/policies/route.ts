import { requestActor } from "@/server/audit/record";
import { createPolicy, listPolicies } from "@/server/governance/policies";
import { json, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Every approval policy (any signed-in role may read them). */
export const GET = rest(null, async ({ database }) => json({ policies: await listPolicies(database.db) }));

/** `{ name, description?, scope, target?, rules, enabled? }` → 201 with the policy. */
export const POST = rest("admin", async ({ database, req, user }) => {
  const created = await createPolicy(database.db, await readJson(req), requestActor(user, req.headers));
  return json(created, 201, { location: `/api/v1/policies/${created.id}` });
});
