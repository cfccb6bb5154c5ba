import "server-only";
import type { MissionNode } from "@/lib/mission/schema";

/**
 * Kinds whose only write is a direct change (pending → succeeded in one statement), which may be
 * held and written with the next step's (held-states.ts). Any other kind's steps flush what is
 * held first, so the run's Observations keep the order things happened in. A For each whose body
 * holds only these runs several items' bodies inside one step (for-each.ts): nothing in them waits.
 */
export const QUICK_KINDS: ReadonlySet<MissionNode["kind"]> = new Set(["trigger", "condition", "transform"]);

/**
 * Kinds a quick segment may run inline (quick-segment.ts): they compute and never wait. The quick
 * kinds, and the verdict, which is held with what the segment holds and written with the run's end
 * or the next flush (held-states.ts, `setRunVerdictSoon`).
 */
export const INLINE_KINDS: ReadonlySet<MissionNode["kind"]> = new Set([...QUICK_KINDS, "verdict"]);
