import "server-only";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";

// The whole of a run's large values, for the "download" link a truncated value carries on the run
// page (the page itself ships at most RUN_VALUE_MAX_BYTES of each).

/** Which value: `input`, `verdict`, `node.<nodeId>` (its output) or `observation.<id>` (its data). */
export type RunValuePart = "input" | "verdict" | `node.${string}` | `observation.${number}`;

export function runValueLink(runId: string, part: RunValuePart): string {
  return `/api/v1/runs/${encodeURIComponent(runId)}/values?part=${encodeURIComponent(part)}`;
}

const PART = /^(input|verdict|node\.(.+)|observation\.(\d{1,18}))$/;

/** The stored value `part` of run `runId`; 400 for a bad part, 404 when the run or the value is not there. */
export async function runValue(database: Database, runId: string, part: string | null): Promise<unknown> {
  const m = PART.exec(part ?? "");
  if (!m) {
    throw new AppError("bad_request", "Say which value to download", [
      { path: "part", message: "must be input, verdict, node.<node id> or observation.<observation id>" },
    ]);
  }
  const [row] = await database.rows<{ value: unknown }>(
    m[1] === "input" || m[1] === "verdict"
      ? sql`select ${sql.raw(m[1])} as value from run where id = ${runId}`
      : m[2] !== undefined
        ? sql`select output as value from run_node where run_id = ${runId} and node_id = ${m[2]}`
        : sql`select data as value from observation where run_id = ${runId} and id = ${Number(m[3])}`,
  );
  if (!row) throw new AppError("not_found", `Run ${runId} has no ${part}`);
  return row.value;
}
