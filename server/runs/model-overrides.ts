import "server-only";
import { inArray } from "drizzle-orm";
import { z } from "zod";
import { nodeModel } from "@/lib/mission/node-kinds";
import { nodeIdSchema, type MissionGraph } from "@/lib/mission/schema";
import type { FieldProblem } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { model as modelTable } from "@/server/db/schema";
import { RunError } from "./errors";

/** At most this many overrides on one run (a mission has far fewer Workers). */
const MAX_OVERRIDES = 100;

/**
 * Worker step id → registered model id, for one run: the step's own `model` is not used. Not
 * governance, like the Worker's `model` itself (docs/mission-format.md#publishing): whoever may
 * start the run may pick its models; the override is stored on the run and in its audit entry.
 */
export const modelOverridesSchema = z
  .record(nodeIdSchema, z.string().trim().min(1, "must name a registered model").max(200, "must be at most 200 characters"))
  .refine((o) => Object.keys(o).length <= MAX_OVERRIDES, `must name at most ${MAX_OVERRIDES} steps`);
export type ModelOverrides = z.infer<typeof modelOverridesSchema>;

/**
 * Refuses an override of a step the version does not have, of a step that is not a Worker, or to a
 * model that is not registered in Settings → Models, naming `modelOverrides.<stepId>`; nothing is started.
 */
export async function checkModelOverrides(database: Database, graph: MissionGraph, versionNumber: number, overrides: ModelOverrides): Promise<void> {
  const problems: FieldProblem[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const stepId of Object.keys(overrides)) {
    const node = byId.get(stepId);
    const path = `modelOverrides.${stepId}`;
    if (!node) problems.push({ path, message: `is not a step of version ${versionNumber}` });
    else if (nodeModel(node) === undefined) problems.push({ path, message: `${stepId} is a ${node.kind} step, not a Worker: only a Worker has a model` });
  }
  const ids = [...new Set(Object.values(overrides))];
  const known = ids.length ? new Set((await database.db.select({ id: modelTable.id }).from(modelTable).where(inArray(modelTable.id, ids))).map((r) => r.id)) : new Set<string>();
  for (const [stepId, modelId] of Object.entries(overrides)) {
    if (!known.has(modelId)) problems.push({ path: `modelOverrides.${stepId}`, message: `"${modelId}" is not a registered model: register it in Settings → Models` });
  }
  if (problems.length) throw new RunError("invalid_input", `Invalid model override: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
}
