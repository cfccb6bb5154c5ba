import "server-only";
import type { GraphIndex } from "@/lib/mission/graph";
import type { MissionEdge, MissionNode } from "@/lib/mission/schema";
import { INLINE_KINDS } from "./nodes";

/**
 * A stretch of quick steps (quick-kinds.ts, and a verdict after them) run in one durable step instead of one step each: each
 * step costs the engine a checkpoint (a request to the executor, its signature and bookkeeping),
 * which is most of what a quick step costs. Inside, the steps run inline, in order, under the
 * walk's own rules (an edge is taken as the registry says; a step none of whose incoming edges is
 * taken is left for the walk to skip), and their direct changes are held as a lone quick step's;
 * a member that writes on its own (a verdict) writes what is held in its own statement, first.
 */
export interface SegmentResult {
  /** The members that ran, in order, with what each gave. */
  ran: { id: string; output: unknown; port?: string }[];
  /**
   * The member whose handler threw: it runs again as a step of its own (the same evaluation fails
   * the same way), so its failure is retried, recorded and reported as any step's is.
   */
  stoppedAt?: string;
  /** Members none of whose incoming edges was taken: their skips were written with the members' changes. */
  skipped?: string[];
}

/** Past this many bytes of outputs a segment ends, well inside a step's output limit; the rest runs as further segments. */
export const SEGMENT_OUTPUT_BUDGET = 1024 * 1024;

/**
 * The steps that run with `startId` in its segment, in an order where each follows all its
 * sources: `startId`, then every step of an inline kind all of whose incoming edges come from the segment.
 * Decided by the graph alone, never by timing, so a replay issues the same steps: a step with a
 * source outside the segment runs on its own when the walk reaches it.
 */
export function quickSegment(index: GraphIndex<MissionEdge>, nodes: ReadonlyMap<string, MissionNode>, startId: string): string[] {
  const start = nodes.get(startId);
  if (!start || !INLINE_KINDS.has(start.kind)) return [startId];
  const members = [startId];
  const inSegment = new Set(members);
  for (let i = 0; i < members.length; i++) {
    for (const edge of index.outgoing.get(members[i] as string) ?? []) {
      const target = nodes.get(edge.target);
      if (!target || inSegment.has(target.id) || !INLINE_KINDS.has(target.kind)) continue;
      if (!(index.incoming.get(target.id) ?? []).every((e) => inSegment.has(e.source))) continue;
      members.push(target.id);
      inSegment.add(target.id);
    }
  }
  return members;
}
