// The peer of `npm run bench api`: n8n, installed by ../shared/bench/n8n/install-n8n.sh into
// $N8N_BENCH_DIR/app, run on its defaults (regular mode, SQLite, every execution saved) in a fresh
// user folder, with the workflow of that harness: Webhook (answers with the last node's JSON) →
// five Edit Fields nodes. The same steps as its run-n8n-bench.sh: import, publish, start, smoke.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnServer, until } from "./api-procs";

/** The request both engines get. */
export const N8N_REQUEST = { id: "req-1", n: 21, msg: "hello" };
/** n8n's answer: the last node's JSON. */
export const N8N_EXPECTED = { id: "req-1", total: 63, msgUpper: "HELLO", steps: ["extract", "double", "upper", "sum", "final"], done: true };

const WORKFLOW_ID = "benchWorkflow0001";

type Assignment = [name: string, type: string, value: string | boolean];
function setNode(i: number, name: string, includeOtherFields: boolean, assignments: Assignment[]) {
  return {
    id: `0f6d7f4e-000${i}-4000-8000-00000000000${i}`,
    name,
    type: "n8n-nodes-base.set",
    typeVersion: 3.4,
    position: [220 * i, 0],
    parameters: {
      mode: "manual",
      includeOtherFields,
      assignments: { assignments: assignments.map(([n, type, value], j) => ({ id: `${i}-${j}`, name: n, type, value })) },
      options: {},
    },
  };
}

/** ../shared/bench/n8n/bench-workflow.json, node for node. */
const WORKFLOW = {
  id: WORKFLOW_ID,
  name: "bench: webhook -> 5 Set nodes -> respond",
  active: false,
  settings: { executionOrder: "v1" },
  nodes: [
    {
      id: "0f6d7f4e-0000-4000-8000-000000000000",
      name: "Webhook",
      type: "n8n-nodes-base.webhook",
      typeVersion: 2,
      position: [0, 0],
      webhookId: "6b1e8f0e-bench-4000-8000-000000000001",
      parameters: { httpMethod: "POST", path: "bench", responseMode: "lastNode", responseData: "firstEntryJson", options: {} },
    },
    setNode(1, "Step1 Extract", false, [
      ["id", "string", "={{ $json.body.id }}"],
      ["n", "number", "={{ $json.body.n }}"],
      ["msg", "string", "={{ $json.body.msg }}"],
      ["steps", "array", "={{ ['extract'] }}"],
    ]),
    setNode(2, "Step2 Double", true, [
      ["n2", "number", "={{ $json.n * 2 }}"],
      ["steps", "array", "={{ $json.steps.concat(['double']) }}"],
    ]),
    setNode(3, "Step3 Upper", true, [
      ["msgUpper", "string", "={{ $json.msg.toUpperCase() }}"],
      ["steps", "array", "={{ $json.steps.concat(['upper']) }}"],
    ]),
    setNode(4, "Step4 Sum", true, [
      ["total", "number", "={{ $json.n + $json.n2 }}"],
      ["steps", "array", "={{ $json.steps.concat(['sum']) }}"],
    ]),
    setNode(5, "Step5 Final", false, [
      ["id", "string", "={{ $json.id }}"],
      ["total", "number", "={{ $json.total }}"],
      ["msgUpper", "string", "={{ $json.msgUpper }}"],
      ["steps", "array", "={{ $json.steps.concat(['final']) }}"],
      ["done", "boolean", true],
    ]),
  ],
  connections: Object.fromEntries(
    [["Webhook", "Step1 Extract"], ["Step1 Extract", "Step2 Double"], ["Step2 Double", "Step3 Upper"], ["Step3 Upper", "Step4 Sum"], ["Step4 Sum", "Step5 Final"]].map(([from, to]) => [
      from,
      { main: [[{ node: to, type: "main", index: 0 }]] },
    ]),
  ),
  pinData: {},
};

export interface N8n {
  url: string;
  path: string;
  pid: number;
  version: string;
  readyS: number;
  stop(): Promise<void>;
}

/** Imports and publishes the workflow into a fresh user folder, starts n8n and checks one request. */
export async function startN8n(benchDir: string): Promise<N8n> {
  const appDir = path.join(benchDir, "app");
  const bin = path.join(appDir, "node_modules", ".bin", "n8n");
  if (!fs.existsSync(bin)) throw new Error(`no n8n at ${bin}: run ../shared/bench/n8n/install-n8n.sh with BENCH_DIR=${benchDir}`);
  const version = (JSON.parse(fs.readFileSync(path.join(appDir, "node_modules", "n8n", "package.json"), "utf8")) as { version: string }).version;
  const port = Number(process.env.N8N_BENCH_PORT ?? 5680);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "steward-bench-n8n-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    N8N_USER_FOLDER: folder,
    DB_TYPE: "sqlite",
    N8N_DIAGNOSTICS_ENABLED: "false",
    N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
    N8N_TEMPLATES_ENABLED: "false",
    N8N_PERSONALIZATION_ENABLED: "false",
    N8N_HIRING_BANNER_ENABLED: "false",
    EXECUTIONS_MODE: "regular",
    N8N_LOG_LEVEL: "warn",
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: "127.0.0.1",
    // Its task runner broker next to it, not on the default 5679 another n8n may hold.
    N8N_RUNNERS_BROKER_PORT: String(port + 1),
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
    NODE_ENV: "production",
  };
  // n8n's defaults, as its harness leaves them: every execution saved.
  for (const k of ["EXECUTIONS_DATA_SAVE_ON_SUCCESS", "EXECUTIONS_DATA_SAVE_ON_ERROR", "NODE_OPTIONS"]) delete env[k];

  const workflowFile = path.join(folder, "bench-workflow.json");
  fs.writeFileSync(workflowFile, JSON.stringify(WORKFLOW));
  for (const args of [["import:workflow", `--input=${workflowFile}`], ["publish:workflow", `--id=${WORKFLOW_ID}`]]) {
    console.log(`• n8n ${args.join(" ")}`);
    const res = spawnSync(bin, args, { env, encoding: "utf8", cwd: folder });
    if (res.status !== 0) throw new Error(`n8n ${args[0]} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  }

  const t0 = performance.now();
  const server = spawnServer(bin, ["start"], env, folder);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await server.stop(45_000);
    fs.rmSync(folder, { recursive: true, force: true });
  };
  try {
    await until(server, "n8n ready", async () => (await fetch(`${url}/healthz/readiness`).catch(() => null))?.status === 200);
    const readyS = (performance.now() - t0) / 1000;
    // The webhook may register a moment after readiness.
    let last = "";
    await until(
      server,
      "n8n webhook answering",
      async () => {
        const res = await fetch(`${url}/webhook/bench`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(N8N_REQUEST) }).catch(() => null);
        last = res ? `${res.status} ${await res.text()}` : "no answer";
        return res?.status === 200;
      },
      60_000,
    );
    if (JSON.stringify(JSON.parse(last.slice(4))) !== JSON.stringify(N8N_EXPECTED)) throw new Error(`n8n answered ${last}`);
    console.log(`• n8n ${version} ready in ${readyS.toFixed(1)} s on ${url}`);
    return { url, path: "/webhook/bench", pid: server.pid, version, readyS, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
