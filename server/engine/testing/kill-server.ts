// The process the kill -9 test (server/engine/kill-recovery.test.ts) kills. It boots exactly as
// the app does — server/boot/boot.ts: open + migrate the database, wire the real connector and
// worker layers, start the engine (embedded executor driving the real serve() handler, sweeper) —
// and serves the app's own REST route handlers over HTTP. Only Next's router is missing.
//
//   node --import tsx --conditions=react-server server/engine/testing/kill-server.ts [<ledger-url>]
// With a ledger URL (first start) it first creates the users, API keys, the ledger connector and
// the mission, and prints `SETUP {json}`. Then prints `READY <port>` once it takes requests.
//
// Configured like the app: STEWARD_DATA_DIR or DATABASE_URL, STEWARD_SECRET_KEY.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { boot } from "@/server/boot/boot";
import { createApiKey } from "@/server/auth/api-keys";
import { createUser } from "@/server/auth/users";
import { approveTools, createConnector, refreshTools } from "@/server/connectors/service";
import { getDatabase } from "@/server/db/client";
import { createMission, saveVersion } from "@/server/missions/service";
import { forEachDataSchema, transformDataSchema, waitDataSchema } from "@/lib/mission/schema";
import { publishForTest } from "@/test/publishing";
import * as decisionList from "@/app/api/v1/decisions/route";
import * as decisionOne from "@/app/api/v1/decisions/[id]/route";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as runOne from "@/app/api/v1/runs/[id]/route";
import * as health from "@/app/api/health/route";
import * as ready from "@/app/api/ready/route";
import { edges, mission, node } from "./missions";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const routes: { method: string; pattern: RegExp; handler: Handler }[] = [
  { method: "POST", pattern: /^\/api\/v1\/missions\/(?<id>[^/]+)\/runs$/, handler: missionRuns.POST },
  { method: "GET", pattern: /^\/api\/v1\/missions\/(?<id>[^/]+)\/runs$/, handler: missionRuns.GET },
  { method: "GET", pattern: /^\/api\/v1\/runs\/(?<id>[^/]+)$/, handler: runOne.GET },
  { method: "GET", pattern: /^\/api\/v1\/decisions$/, handler: (req) => decisionList.GET(req) },
  { method: "POST", pattern: /^\/api\/v1\/decisions\/(?<id>[^/]+)$/, handler: decisionOne.POST },
  // For the replica tests (server/ops/replicas.test.ts): what a load balancer asks.
  { method: "GET", pattern: /^\/api\/health$/, handler: async () => health.GET() },
  { method: "GET", pattern: /^\/api\/ready$/, handler: () => ready.GET() },
];

/** A 2-second Wait → payment approval → the ledger's state-changing `post` (gated by that approval) → verdict. */
export const killMission = mission(
  "Kill test payments",
  [
    node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
    // Kills land while runs sleep here: a restart must wake them once, and not redo what came before.
    { id: "pause", kind: "wait", position: { x: 100, y: 0 }, data: waitDataSchema.parse({ mode: "duration", duration: "2s" }) },
    node.approval("review", {
      label: "Approve payment",
      title: "Payment",
      proposed: [{ name: "amount", label: "Amount", type: "number", expression: "10", editable: true }],
    }),
    node.action("pay", { label: "Book payment", tool: "ledger.post", args: { orderId: "trigger.orderId", amount: "review.values.amount" } }),
    node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'review.approved ? "paid" : "denied"' }),
  ],
  edges("trigger->pause", "pause->review", "review:approved->pay", "review:rejected->done", "pay->done"),
);

/** A For each over the comma-separated `orders`, one at a time: each item formats a line and sends it to the ledger's `tally`. */
export const killForEachMission = mission(
  "Kill test tallies",
  [
    node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orders", label: "Orders", type: "text", required: true, maxLength: 100_000 }] }),
    { id: "lines", kind: "forEach", position: { x: 100, y: 0 }, data: forEachDataSchema.parse({ items: 'trigger.orders.split(",")', concurrency: 1, onFailure: "stop", result: "tally.counted" }) },
    { id: "fmt", kind: "transform", parentId: "lines", position: { x: 20, y: 40 }, data: transformDataSchema.parse({ values: [{ name: "line", type: "string", expression: 'item + "#" + string(index)' }] }) },
    { ...node.action("tally", { label: "Tally", tool: "ledger.tally", args: { line: "fmt.line" } }), parentId: "lines", position: { x: 280, y: 40 } },
    node.verdict("done", { outcomes: ["counted"], outcome: '"counted"', summary: 'string(size(lines)) + " lines"' }),
  ],
  edges("trigger->lines", "lines->done", "fmt->tally"),
);

export interface KillSetup {
  missionId: string;
  forEachMissionId: string;
  builderKey: string;
  approverKey: string;
}

async function setup(ledgerUrl: string): Promise<KillSetup> {
  const { db } = await getDatabase();
  const builder = await createUser(db, { email: "builder@kill.test", name: "Kill Builder", password: "correct-horse-battery", roles: ["builder"] });
  const approver = await createUser(db, { email: "approver@kill.test", name: "Kill Approver", password: "correct-horse-battery", roles: ["approver"] });
  const connector = await createConnector(db, { name: "ledger", transport: "http", http: { url: ledgerUrl }, timeoutMs: 10_000 });
  await refreshTools(db, connector.id);
  await approveTools(db, connector.id, null);
  const m = await createMission(db, { name: killMission.name }, builder.id);
  await saveVersion(db, m.id, { graph: killMission, message: "kill test" }, builder.id);
  await publishForTest(db, m.id, approver.id);
  const loop = await createMission(db, { name: killForEachMission.name }, builder.id);
  await saveVersion(db, loop.id, { graph: killForEachMission, message: "kill test" }, builder.id);
  await publishForTest(db, loop.id, approver.id);
  return {
    missionId: m.id,
    forEachMissionId: loop.id,
    builderKey: (await createApiKey(db, { name: "kill builder" }, builder.id)).key,
    approverKey: (await createApiKey(db, { name: "kill approver" }, approver.id)).key,
  };
}

function serve(): Promise<number> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      const params = url.pathname.match(route.pattern)?.groups ?? {};
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const response = await route.handler(new Request(url, { method: req.method, headers, ...(body ? { body } : {}) }), { params: Promise.resolve({ ...params }) });
      res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((e: unknown) => {
      console.error("[kill-server] request failed:", e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

const [ledgerUrl] = process.argv.slice(2);
await boot();
if (ledgerUrl) console.log(`SETUP ${JSON.stringify(await setup(ledgerUrl))}`);
console.log(`READY ${await serve()}`);
