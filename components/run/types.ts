import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

/** `runs.get` as the browser receives it. */
export type RunPageData = Outputs["runs"]["get"];
/** One Observation as the browser receives it (from `observations.onRun` or `observations.list`). */
export type RunObservation = Outputs["observations"]["list"]["items"][number];
/** One row of `runs.list`. */
export type RunListItem = Outputs["runs"]["list"]["items"][number];
