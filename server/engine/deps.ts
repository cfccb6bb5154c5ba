import "server-only";
import type { ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import type { WorkerRunner } from "@/server/workers/types";
import type { SendEvents } from "@/server/contracts/events";
import { PermanentError } from "./step-port";

/** What runs need from the rest of the app. The connector and worker layers register theirs. */
export interface EngineDeps {
  database(): Promise<Database>;
  tools: ToolPort;
  runWorker: WorkerRunner;
  /** Events to the engine driving runs (embedded executor or Inngest). */
  send: SendEvents;
}

declare global {
  // Keyed on globalThis: Next loads this module once per bundle layer, and they must agree.
  var __stewardEngineDeps: Partial<EngineDeps> | undefined;
}

const missingTools: ToolPort = {
  async listTools() {
    throw new PermanentError("no connector layer configured: the engine cannot call tools");
  },
  async callTool(ref) {
    throw new PermanentError(`no connector layer configured: the engine cannot call ${ref}`);
  },
};

const missingWorker: WorkerRunner = async (input) => {
  throw new PermanentError(`no worker runner configured: the engine cannot run worker ${input.nodeId}`);
};

function defaults(): EngineDeps {
  return {
    async database() {
      const { getDatabase } = await import("@/server/db/client");
      return getDatabase();
    },
    tools: missingTools,
    runWorker: missingWorker,
    // The composition root (server/boot/engine-root.ts) registers the real one at boot.
    async send() {
      throw new Error("The embedded executor is not running yet: the engine is not wired (server/boot has not run)");
    },
  };
}

/** Registers real implementations (connectors: `tools`, workers: `runWorker`); later calls override earlier ones. */
export function setEngineDeps(deps: Partial<EngineDeps>): void {
  globalThis.__stewardEngineDeps = { ...globalThis.__stewardEngineDeps, ...deps };
}

export function getEngineDeps(): EngineDeps {
  return { ...defaults(), ...globalThis.__stewardEngineDeps };
}

export function resetEngineDeps(): void {
  globalThis.__stewardEngineDeps = undefined;
}

/**
 * Deps for runs driven by the embedded executor: steps write through the database's `progress`
 * handle (no wait for the WAL flush on PostgreSQL). That is safe only because the executor
 * memoizes step results in the same database, later in the same WAL: if a step's result survived
 * a crash, so did everything the step wrote, and a lost result makes the step run again. With an
 * Inngest server the result lives elsewhere, so steps keep the ordinary, synchronous handle.
 */
export function embeddedDeps(deps: () => EngineDeps): () => EngineDeps {
  return () => {
    const d = deps();
    return { ...d, database: async () => (await d.database()).progress };
  };
}
