import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { RunView } from "@/components/run/run-view";
import type { RunPageData } from "@/components/run/types";
import { isAppError } from "@/lib/errors";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import { getRunPageData } from "@/server/observations/run-view";
import { runIdOfTrace } from "@/server/tracing/ids";

export const metadata: Metadata = { title: "Run" };

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // From a trace to its run: a run's trace id is its id's hex digits (docs/observability.md).
  const traced = runIdOfTrace(id);
  if (traced) redirect(`/runs/${traced}`);
  const user = await requirePageUser(`/runs/${id}`);
  // Rendered with the run already loaded, so the canvas is up while the stream connects.
  let initial: RunPageData | undefined;
  try {
    initial = (await getRunPageData(await getDatabase(), id)) as unknown as RunPageData;
  } catch (e) {
    // An unknown run is shown as such by the page itself (same answer as its query).
    if (!isAppError(e)) throw e;
  }
  return <RunView runId={id} canBuild={can(user, "builder")} initial={initial} />;
}
