import "server-only";
import type { Logger } from "inngest";
import type { Database } from "@/server/db/database";
import { redeliverDecision } from "@/server/decisions/queries";
import { embeddedDeps, getEngineDeps, type EngineDeps } from "./deps";
import { DECISION_MADE } from "./events";
import { createEmbeddedEngine, type EmbeddedEngine } from "./inngest/embedded";
import type { EmbeddedExecutorOptions } from "./inngest/embedded-executor";
import { createMissionFunctions } from "./inngest/functions";

/**
 * The embedded engine running missions on `database`: the mission-run function, its executor,
 * and the hook that re-sends a decision made before its wait existed.
 */
export function createMissionEngine(opts: {
  database: Database;
  signingKey: string;
  /** Defaults to the registered deps with this database; events go to this engine's executor. */
  deps?: () => EngineDeps;
  logger?: Logger;
  executor?: Omit<EmbeddedExecutorOptions, "database" | "handler" | "signingKey" | "onWaitCreated">;
}): EmbeddedEngine & { deps: () => EngineDeps } {
  const send: EngineDeps["send"] = async (events) => {
    await engine.executor.send(events);
  };
  const deps = embeddedDeps(opts.deps ?? (() => ({ ...getEngineDeps(), database: async () => opts.database, send })));
  const engine: EmbeddedEngine = createEmbeddedEngine({
    database: opts.database,
    signingKey: opts.signingKey,
    ...(opts.logger ? { logger: opts.logger } : {}),
    functions: (client) => createMissionFunctions(client, deps),
    executor: {
      ...opts.executor,
      onWaitCreated: async (wait) => {
        if (wait.eventName === DECISION_MADE) await redeliverDecision(opts.database, wait.expr, deps().send);
      },
    },
  });
  return { ...engine, deps };
}
