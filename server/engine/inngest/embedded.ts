import "server-only";
import type { Logger } from "inngest";
import { serve } from "inngest/next";
import type { Database } from "@/server/db/database";
import { createEngineClient, type EngineClient } from "./client";
import { EmbeddedExecutor, type EmbeddedExecutorOptions, type ServeHandler } from "./embedded-executor";
import { inProcessEndpoint } from "./endpoint";

type AnyFunctions = Parameters<typeof serve>[0]["functions"];

export interface EmbeddedEngine {
  client: EngineClient;
  handler: ReturnType<typeof serve>;
  executor: EmbeddedExecutor;
}

/**
 * Wires a client (events routed in-process), the functions, their serve() handler and an
 * executor on `database`. `handler` is the one a real Inngest server would call, which checks
 * signatures; the executor calls the same functions through inProcessEndpoint.
 */
export function createEmbeddedEngine(opts: {
  database: Database;
  signingKey: string;
  functions: (client: EngineClient) => AnyFunctions;
  /** The SDK's logger (tests pass a quiet one). */
  logger?: Logger;
  executor?: Omit<EmbeddedExecutorOptions, "database" | "handler" | "signingKey">;
}): EmbeddedEngine {
  const client = createEngineClient({
    mode: "embedded",
    signingKey: opts.signingKey,
    ...(opts.logger ? { logger: opts.logger } : {}),
    // Bound late: the executor needs the handler, which needs this client.
    fetch: (input, init) => executor.fetch(input, init),
  });
  const options = { client, functions: opts.functions(client) };
  const handler = serve(options);
  const executor = new EmbeddedExecutor({
    ...opts.executor,
    database: opts.database,
    handler: inProcessEndpoint(options) as unknown as ServeHandler,
    signingKey: opts.signingKey,
  });
  return { client, handler, executor };
}
