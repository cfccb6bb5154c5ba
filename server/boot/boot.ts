import "server-only";
import { sql } from "drizzle-orm";
import { appUrl, demoMode, env, executorMode, tracingConfig } from "@/server/env";
import { getDatabase } from "@/server/db/client";
import type { Database } from "@/server/db/database";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { secretKey } from "@/server/crypto/secrets";
import { configuredAnchorSink, describeSink } from "@/server/audit/anchor-sink";
import { DEMO_USERS } from "./demo-users";
import { firstAdminLink, seedBootstrapKey, seedDemoUsers } from "./seed";
import { seedDemoContent } from "./demo-content";
import { warmUp } from "./warm-up";

declare global {
  var __stewardBooted: Promise<void> | undefined;
}

/** Runs once per server process (from instrumentation.ts): open + migrate, seed, start the engine. */
export function boot(): Promise<void> {
  globalThis.__stewardBooted ??= run();
  return globalThis.__stewardBooted;
}

function fatal(message: string): never {
  console.error(`\n✖ ${message}\n`);
  process.exit(1);
}

async function openOrExit(): Promise<Database> {
  try {
    return await getDatabase();
  } catch (e) {
    if (e instanceof DataDirLockedError) fatal(e.message);
    throw e;
  }
}

/** The engine runs Workers and actions through the connector and model layers. */
async function wireEngine(database: Database): Promise<void> {
  const [{ setEngineDeps }, { createToolPort }, { createWorkerRunner }, { measuredToolPort }] = await Promise.all([
    import("@/server/engine/deps"),
    import("@/server/connectors/tool-port-impl"),
    import("@/server/workers/run-worker"),
    import("@/server/ops/measured-tools"),
  ]);
  // Timed for /api/metrics (connector latency and errors) without touching the engine.
  const tools = measuredToolPort(createToolPort(database));
  setEngineDeps({ tools, runWorker: createWorkerRunner(database, tools) });
}

async function run(): Promise<void> {
  // Before any request: the portal's rate limit keys on the real socket address.
  const { installPeerAddressStamp } = await import("@/server/portal/client-address");
  installPeerAddressStamp();
  const { installCoalescedHeaders } = await import("./coalesced-headers");
  installCoalescedHeaders();
  const database = await openOrExit();
  const e = env();
  try {
    // Fail at start, not at the first secret: with DATABASE_URL the key must come from the environment.
    secretKey();
    // And a misplaced anchor file (inside the data dir) fails here too, not at the first anchor.
    configuredAnchorSink();
  } catch (err) {
    fatal((err as Error).message);
  }
  if (e.STEWARD_BOOTSTRAP_API_KEY && (await seedBootstrapKey(database, e.STEWARD_BOOTSTRAP_API_KEY))) {
    console.log("• Created the bootstrap admin API key from STEWARD_BOOTSTRAP_API_KEY.");
  }
  const demo = demoMode();
  if (demo) {
    await seedDemoUsers(database);
    await seedDemoContent(database);
    const { seedDemoPolicies } = await import("@/server/governance/demo");
    const [admin] = await database.rows<{ id: string }>(sql`select id from "user" where email = 'admin@steward.local'`);
    await seedDemoPolicies(database, admin?.id ?? null);
  }
  // In every mode: the knowledge base's own MCP server, inside this process.
  const { ensureKnowledgeConnector } = await import("@/server/knowledge/connector");
  await ensureKnowledgeConnector(database);
  // Clauses the registered embedding model has not embedded yet, in the background (docs/knowledge.md).
  const { startEmbedding } = await import("@/server/knowledge/embeddings/embedder");
  startEmbedding(database);
  await wireEngine(database);
  const { startEngine } = await import("./engine-start");
  const engine = await startEngine();
  const { startNotificationLoop } = await import("@/server/notifications/loop");
  void startNotificationLoop()?.catch((err: unknown) => console.error("[notifications] could not start:", err));
  const { startAuditAnchoring, stopAuditAnchoring } = await import("@/server/audit/anchoring");
  void startAuditAnchoring()?.catch((err: unknown) => console.error("[audit] could not start anchoring:", err));
  const { closeAllConnectors } = await import("@/server/connectors/pool");
  const { stopWithin } = await import("@/server/ops/shutdown");
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      // Not ready from here on (/api/ready), and no new jobs; steps running finish within the grace,
      // so a restart need not wait out their leases. Then sign the final head.
      const from = Date.now();
      const grace = e.STEWARD_SHUTDOWN_GRACE_MS;
      console.log(`[shutdown] ${sig}: taking no new work; waiting up to ${grace / 1000} s for running steps`);
      void stopWithin(() => engine.stop(), grace)
        .then(async (outcome) => {
          if (outcome === "finished") return console.log(`[shutdown] running steps finished in ${Date.now() - from} ms; exiting`);
          // Handed back rather than left to expire: another replica runs them at once.
          const released = await engine.abandon().catch(() => 0);
          console.log(`[shutdown] steps still running after ${grace / 1000} s; exiting: gave back the leases of ${released} job(s), to run again elsewhere or at the next start`);
        })
        .then(() => stopAuditAnchoring().catch(() => undefined))
        .then(() => closeAllConnectors())
        .finally(() => process.exit(0));
    });
  }

  const url = appUrl();
  const lines = [`\n▲ Steward is ready on ${url}`, `  database: ${database.driver === "pglite" ? `embedded PGlite (${e.STEWARD_DATA_DIR})` : "PostgreSQL"}`, `  executor: ${executorMode()}`];
  lines.push(`  audit anchors: ${describeSink(configuredAnchorSink())}, every ${e.STEWARD_AUDIT_ANCHOR_INTERVAL_MS / 1000} s`);
  const tracing = tracingConfig();
  // Origin and path only: a vendor's URL may carry a token in its query.
  if (tracing) lines.push(`  traces: each run to ${new URL(tracing.url).origin}${new URL(tracing.url).pathname} (OTLP ${tracing.protocol}), as service ${tracing.serviceName}`);
  if (demo) {
    lines.push("  demo mode — sign in as:");
    for (const u of DEMO_USERS) lines.push(`    ${u.email.padEnd(24)} ${u.password.padEnd(18)} (${u.roles.join(", ")})`);
  } else {
    const token = await firstAdminLink(database);
    if (token) lines.push(`  No users yet. Create the first admin (one-time link): ${url}/setup?token=${token}`);
  }
  // Not awaited: Next.js serves requests only once this hook has returned, including the server's
  // own warm-up requests; "ready" is said after them.
  void warmUp(`http://127.0.0.1:${e.PORT}`).then((w) => {
    lines.push(`  warmed up: ${w.requests} requests in ${(w.ms / 1000).toFixed(1)} s`);
    console.log(lines.join("\n") + "\n");
  });
}
