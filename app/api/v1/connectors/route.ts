import { requestActor } from "@/server/audit/record";
import type { CreateConnectorInput } from "@/server/connectors/service";
import { createConnectorAudited, listConnectorsScrubbed } from "@/server/connectors/admin";
import { json, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Every connector: configuration with secret names and masked values, never the values. */
export const GET = rest("admin", async ({ database }) => json({ connectors: await listConnectorsScrubbed(database) }));

/** `{ name, transport, stdio?: { command, args, env }, http?: { url, headers }, timeoutMs?, enabled? }` → 201. */
export const POST = rest("admin", async ({ database, req, user }) => {
  const body = await readJson(req);
  const created = await createConnectorAudited(database, body as CreateConnectorInput, requestActor(user, req.headers));
  return json(created, 201, { location: `/api/v1/connectors/${created.id}` });
});
