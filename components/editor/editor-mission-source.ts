import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

/** What missions.get returns, and what the editor opens. */
export type MissionView = inferRouterOutputs<AppRouter>["missions"]["get"];

/** The editor's plain-JSON read of a mission (app/api/editor/missions/[id]). */
export function editorMissionUrl(missionId: string): string {
  return `/api/editor/missions/${encodeURIComponent(missionId)}`;
}

/** A failed read, with the server's message and its HTTP status (4xx are not worth retrying). */
export class MissionLoadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Reads the mission for the editor. The request matches the page's preload (same URL, CORS mode,
 * same-origin credentials), so the browser answers it from the response it already started.
 */
export async function fetchEditorMission(missionId: string, signal?: AbortSignal): Promise<MissionView> {
  const res = await fetch(editorMissionUrl(missionId), { signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new MissionLoadError(body?.error?.message ?? `The server answered ${res.status}`, res.status);
  }
  return (await res.json()) as MissionView;
}
