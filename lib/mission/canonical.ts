import canonicalize from "canonicalize";
import { AppError, zodProblems } from "@/lib/errors";
import { missionGraphSchema, type MissionGraph } from "./schema";

/**
 * The graph as canonical JSON (RFC 8785: keys sorted, no whitespace, undefined fields left out), so
 * equal graphs hash equal however their keys were ordered. Array order is kept: it is content
 * (branch order decides which branch wins). The server hashes this with sha256.
 */
export function canonicalJson(graph: MissionGraph): string {
  const json = canonicalize(graph);
  if (json === undefined) throw new Error("canonicalJson: the graph serialised to nothing");
  return json;
}

/** Parses a graph through the schema so every default is filled; throws AppError listing the problems. */
export function normalizeMission(graph: unknown): MissionGraph {
  const parsed = missionGraphSchema.safeParse(graph);
  if (!parsed.success) throw new AppError("unprocessable", "The mission graph does not have the mission format", zodProblems(parsed.error.issues));
  return parsed.data;
}
