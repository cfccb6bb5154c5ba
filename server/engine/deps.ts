import "server-only";
import type { ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import type { WorkerRunner } from "@/server/workers/types";
import type { SendEvents } from "./events";
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
    async send(events) {
      const { sendToEngine } = await import("./runtime");
      await sendToEngine(events);
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
