import "server-only";
import { serve } from "inngest/next";
import type { EngineDeps } from "../deps";
import type { EngineClient } from "./client";
import { createMissionFunctions } from "./functions";

/** The serve() endpoint: what an Inngest server, or the embedded executor in-process, calls. */
export type ServeEndpoint = ReturnType<typeof serve>;

/** The endpoint serving the mission functions on `client`. */
export function missionEndpoint(client: EngineClient, deps: () => EngineDeps): ServeEndpoint {
  return serve({ client, functions: createMissionFunctions(client, deps) });
}

declare global {
  // globalThis: the route handler and the boot code are bundled apart and must agree.
  var __stewardServeEndpoint: (() => ServeEndpoint) | undefined;
}

/** Registered by the composition root (server/boot/engine-root.ts); a getter, so nothing is built before first use. */
export function registerServeEndpoint(get: () => ServeEndpoint): void {
  globalThis.__stewardServeEndpoint = get;
}

/** The endpoint app/api/inngest/route.ts answers with. */
export function serveEndpoint(): ServeEndpoint {
  const get = globalThis.__stewardServeEndpoint;
  if (!get) throw new Error("The engine is not wired: server/boot/boot.ts has not run in this process");
  return get();
}
