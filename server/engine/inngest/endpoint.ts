import "server-only";
import { serve } from "inngest/next";
import type { EngineDeps } from "../deps";
import type { EngineClient } from "./client";
import { createMissionFunctions } from "./functions";

/** The serve() endpoint: what an Inngest server, or the embedded executor in-process, calls. */
export type ServeEndpoint = ReturnType<typeof serve>;

type ServeOptions = Parameters<typeof serve>[0];

/** The mission functions on `client`: the route's endpoint, and the one the embedded executor calls in-process. */
export function missionEndpoints(client: EngineClient, deps: () => EngineDeps): { route: ServeEndpoint; inProcess: ServeEndpoint } {
  const options = { client, functions: createMissionFunctions(client, deps) };
  return { route: serve(options), inProcess: inProcessEndpoint(options) };
}

/**
 * A second serve() handler for the same functions that only the embedded executor calls, in this
 * process: it does not check the request's signature, nor sign its answer. Those authenticate an
 * Inngest server across a network, where here there is a function call; checking them cost 3.5%
 * of the thread that serves requests under the API bench's load. The route's handler
 * (missionEndpoints' `route`) still refuses any call not signed with the key.
 */
export function inProcessEndpoint(options: ServeOptions): ServeEndpoint {
  // The SDK's own option, which serve() hands to its comm handler; not in serve()'s public type.
  return serve({ ...options, skipSignatureValidation: true } as ServeOptions);
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
