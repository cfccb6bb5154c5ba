import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { afterRejection, whenRejected } from "@/lib/decisions/rules";
import { checkValues } from "@/lib/decisions/value-rules";
import { describeProblems, zodProblems } from "@/lib/errors";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import { requestActor } from "@/server/audit/record";
import type { SessionUser } from "@/server/auth/users";
import type { Database } from "@/server/db/database";
import type { DecisionField } from "@/server/db/schema";
import type { SendEvents } from "@/server/contracts/events";
import { decide, type DecideResult } from "./decide";
import { DecisionConflictError, DecisionError } from "./errors";
import { peopleById, valueRulesFor } from "./inbox";
import { getDecision } from "./queries";

// One person's vote as the Decision Queue takes it (tRPC and REST): the tool's bounds checked
// first, then the decisions core's decide(), answered in words. Moved here from the router file.

/** The graph a run is pinned to, or null when it cannot be read. */
async function pinnedGraph(database: Database, runId: string): Promise<MissionGraph | null> {
  const [row] = await database.rows<{ graph: unknown }>(sql`select v.graph from run r join mission_version v on v.id = r.version_id where r.id = ${runId}`);
  const parsed = missionGraphSchema.safeParse(row?.graph);
  return parsed.success ? parsed.data : null;
}

export const decideRequest = z.object({
  approve: z.boolean({ error: "must be true (approve) or false (reject)" }),
  values: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().max(2_000, "must be at most 2000 characters").optional(),
});
export type DecideRequest = z.input<typeof decideRequest>;

export interface DecideOutcome extends DecideResult {
  runId: string;
  /** What happened, in words the page and the API both show. */
  message: string;
}

/**
 * One vote by `user`: the tool's input schema is checked here (bounds, enums…), everything else
 * (role, separation of duties, one vote each, editable fields and their types, the reason rule,
 * exactly one winner) by the decisions core. A vote that lost the race is told who won. `send`
 * takes `decision/made` to the engine (the callers pass getEngineDeps().send).
 */
export async function decideAs(database: Database, user: SessionUser, decisionId: string, raw: unknown, send: SendEvents): Promise<DecideOutcome> {
  const parsed = decideRequest.safeParse(raw);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error.issues);
    throw new DecisionError("invalid_values", `Invalid decision: ${describeProblems(problems)}`, problems);
  }
  const input = parsed.data;
  const before = await getDecision(database, decisionId);
  if (input.approve && input.values && Object.keys(input.values).length && before.status === "pending") {
    const { rules } = await valueRulesFor(database, before.kind, before.context, before.title);
    const fields: DecisionField[] = before.fields;
    const problems = checkValues(input.values, fields.filter((f) => before.editable.includes(f.name)), rules);
    if (problems.length) throw new DecisionError("invalid_values", `Invalid values: ${describeProblems(problems)}`, problems);
  }
  try {
    const result = await decide(
      database,
      {
        decisionId,
        userId: user.id,
        userRoles: user.roles,
        approve: input.approve,
        ...(input.values ? { values: input.values } : {}),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      },
      // A vote cast with an API key is audited as that key of its owner.
      { send, actor: requestActor(user) },
    );
    const message = !result.resolved
      ? `Your approval is recorded: ${result.approvals} of ${result.requiredApprovals} approvals. Another approver must approve it too.`
      : result.status === "approved"
        ? "Approved. The run continues with these values."
        : `Rejected: ${whenRejected(afterRejection(await pinnedGraph(database, before.runId), before.nodeId))}.`;
    return { ...result, runId: before.runId, message };
  } catch (e) {
    if (e instanceof DecisionConflictError) {
      const now = await getDecision(database, decisionId);
      const people = await peopleById(database, [now.decidedBy]);
      const who = now.decidedBy && now.status !== "cancelled" ? ` by ${people.get(now.decidedBy)?.name ?? now.decidedBy}` : "";
      const when = now.decidedAt ? ` at ${new Date(now.decidedAt).toISOString().slice(11, 19)} UTC` : "";
      throw new DecisionError("not_pending", `Already ${now.status}${who}${when}: there is nothing left to decide.`);
    }
    throw e;
  }
}

