import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { AppError, describeProblems, type FieldProblem } from "@/lib/errors";
import { nodeInvocation, type Invocation } from "@/lib/mission/node-kinds";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import type { DbOrTx as Db } from "@/server/db/database";
import { mission, missionVersion, versionReview } from "@/server/db/schema";

/**
 * What the lib validator cannot see in a Call mission step, because it lies in other missions: the
 * called mission exists, is not archived and has a version to run (a builder may run a published
 * mission, and only that); its input maps fields its trigger has, every required one; and no
 * chain of calls through the versions they would run comes back to this mission. Checked when a
 * version is saved and again when one is published (what it calls may have changed meanwhile);
 * a child run's start refuses a cycle too (server/runs/children.ts).
 */

interface Callee {
  id: string;
  name: string;
  archived: boolean;
  publishedVersion: number | null;
}

/** The version a step would run, with its graph, or why there is none. */
async function resolveVersion(db: Db, callee: Callee, version: Invocation["version"]): Promise<{ number: number; graph: MissionGraph } | { problem: string }> {
  const number = version === "latest" ? callee.publishedVersion : version;
  if (number === null) return { problem: `"${callee.name}" has no published version: publish one before calling it` };
  const [row] = await db
    .select({ graph: missionVersion.graph, status: versionReview.status })
    .from(missionVersion)
    .leftJoin(versionReview, eq(versionReview.versionId, missionVersion.id))
    .where(and(eq(missionVersion.missionId, callee.id), eq(missionVersion.number, number)));
  if (!row) return { problem: `"${callee.name}" has no version ${number}` };
  // A version with no review row predates reviews, and was published when saved.
  if (row.status !== null && row.status !== "published") return { problem: `version ${number} of "${callee.name}" was never published: calls run published versions only` };
  const graph = missionGraphSchema.safeParse(row.graph);
  if (!graph.success) return { problem: `version ${number} of "${callee.name}" is not a valid mission` };
  return { number, graph: graph.data };
}

async function callees(db: Db, ids: string[]): Promise<Map<string, Callee>> {
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: mission.id, name: mission.name, archivedAt: mission.archivedAt, publishedVersion: mission.publishedVersion })
    .from(mission)
    .where(inArray(mission.id, ids));
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, archived: r.archivedAt !== null, publishedVersion: r.publishedVersion }]));
}

/** The steps that start another mission's run (their kind's `invokes`), with what they start. */
const callSteps = (graph: MissionGraph) =>
  graph.nodes.flatMap((n, index) => {
    const data = nodeInvocation(n);
    return data ? [{ index, id: n.id, data }] : [];
  });

/**
 * The chain of missions from `start` back to `target` through the versions calls would run, or
 * null. Bounded: each mission is visited once.
 */
async function pathBack(db: Db, start: { callee: Callee; graph: MissionGraph }, target: string): Promise<string[] | null> {
  const seen = new Set<string>([start.callee.id]);
  const queue: { graph: MissionGraph; path: string[] }[] = [{ graph: start.graph, path: [start.callee.name] }];
  while (queue.length) {
    const { graph, path } = queue.shift() as (typeof queue)[number];
    const steps = callSteps(graph);
    const found = await callees(db, [...new Set(steps.map((s) => s.data.missionId))]);
    for (const s of steps) {
      if (s.data.missionId === target) return path;
      const callee = found.get(s.data.missionId);
      if (!callee || seen.has(callee.id)) continue;
      seen.add(callee.id);
      const resolved = await resolveVersion(db, callee, s.data.version);
      if ("graph" in resolved) queue.push({ graph: resolved.graph, path: [...path, callee.name] });
    }
  }
  return null;
}

/** Problems of the graph's Call mission steps, each naming the step's field (`nodes[2].data.input[0].field`). */
export async function callProblems(db: Db, missionId: string, missionName: string, graph: MissionGraph): Promise<FieldProblem[]> {
  const steps = callSteps(graph);
  if (!steps.length) return [];
  const found = await callees(db, [...new Set(steps.map((s) => s.data.missionId))]);
  const problems: FieldProblem[] = [];
  for (const s of steps) {
    const at = (...path: (string | number)[]) => `nodes[${s.index}].data${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
    if (s.data.missionId === missionId) {
      problems.push({ nodeId: s.id, path: at("missionId"), message: `step ${s.id} calls this mission itself: a mission may not call itself` });
      continue;
    }
    const callee = found.get(s.data.missionId);
    if (!callee) {
      problems.push({ nodeId: s.id, path: at("missionId"), message: `step ${s.id} calls mission ${s.data.missionId}, which does not exist` });
      continue;
    }
    if (callee.archived) {
      problems.push({ nodeId: s.id, path: at("missionId"), message: `step ${s.id} calls "${callee.name}", which is archived: restore it to call it` });
      continue;
    }
    const resolved = await resolveVersion(db, callee, s.data.version);
    if ("problem" in resolved) {
      problems.push({ nodeId: s.id, path: at(s.data.version === "latest" ? "missionId" : "version"), message: `step ${s.id}: ${resolved.problem}` });
      continue;
    }
    const trigger = resolved.graph.nodes.find((n) => n.kind === "trigger");
    const fields = trigger?.kind === "trigger" ? trigger.data.fields : [];
    const names = fields.map((f) => f.name);
    s.data.input.forEach((m, j) => {
      if (!names.includes(m.field)) {
        problems.push({ nodeId: s.id, path: at("input", j, "field"), message: `step ${s.id}: "${callee.name}" has no input field ${m.field} (its fields: ${names.join(", ") || "none"})` });
      }
    });
    for (const f of fields) {
      if (f.required && !s.data.input.some((m) => m.field === f.name)) {
        problems.push({ nodeId: s.id, path: at("input"), message: `step ${s.id}: map the required field ${f.name} of "${callee.name}"` });
      }
    }
    const back = await pathBack(db, { callee, graph: resolved.graph }, missionId);
    if (back) {
      const chain = [missionName, ...back, missionName].join(" → ");
      problems.push({ nodeId: s.id, path: at("missionId"), message: `step ${s.id} makes a cycle: ${chain}; a mission may not call itself, even through others` });
    }
  }
  return problems;
}

/** Refuses a version whose Call mission steps have problems, naming each. */
export async function requireCallsSound(db: Db, missionId: string, missionName: string, graph: MissionGraph, what: string): Promise<void> {
  const problems = await callProblems(db, missionId, missionName, graph);
  if (problems.length) throw new AppError("bad_request", `${what}: ${describeProblems(problems, 3)}`, problems);
}
