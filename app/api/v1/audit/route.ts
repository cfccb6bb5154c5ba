import { exportAuditJsonl } from "@/server/audit/query";
import { errorResponse, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

const CHUNK_BYTES = 64 * 1024;

/**
 * The audit log as JSON Lines (oldest first), filtered by the query string: action (exact, or
 * `prefix.*`), actorId, actor (substring of the label), targetType, targetId, runId, from, to.
 */
export const GET = rest("admin", async ({ database, req }) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const lines = exportAuditJsonl(database, params);
  // Read the first line before answering, so bad filters are a 400 and not a broken stream.
  let pending: IteratorResult<string> | null;
  try {
    pending = await lines.next();
  } catch (e) {
    return errorResponse(e);
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let chunk = "";
        while (chunk.length < CHUNK_BYTES) {
          const next: IteratorResult<string> = pending ?? (await lines.next());
          pending = null;
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += next.value;
        }
        controller.enqueue(encoder.encode(chunk));
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(body, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="steward-audit-${stamp}.jsonl"`,
      "cache-control": "no-store",
    },
  });
});
