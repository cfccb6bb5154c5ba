import { runAuditRecord } from "@/server/audit/query";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** A run's audit record: every audited act for the run, in order, plus its verdict. `?download=1` names a file. */
export const GET = rest(null, async (ctx) => {
  const runId = param(ctx, "id");
  const record = await runAuditRecord(ctx.database, runId);
  const download = new URL(ctx.req.url).searchParams.get("download") === "1";
  return json(record, 200, download ? { "content-disposition": `attachment; filename="run-${runId.replace(/[^\w-]/g, "_")}-audit.json"` } : {});
});
