import "server-only";
import { appUrl, demoMode, env, executorMode } from "@/server/env";
import { getDatabase } from "@/server/db/client";
import { DataDirLockedError } from "@/server/db/data-dir-lock";
import { DEMO_USERS } from "./demo-users";
import { firstAdminLink, seedBootstrapKey, seedDemoUsers } from "./seed";
import { seedDemoContent } from "./demo-content";

declare global {
  var __stewardBooted: Promise<void> | undefined;
}

/** Runs once per server process (from instrumentation.ts): open + migrate, seed, start the engine. */
export function boot(): Promise<void> {
  globalThis.__stewardBooted ??= run();
  return globalThis.__stewardBooted;
}

async function run(): Promise<void> {
  let database;
  try {
    database = await getDatabase();
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      console.error(`\n✖ ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const e = env();
  if (e.STEWARD_BOOTSTRAP_API_KEY && (await seedBootstrapKey(database, e.STEWARD_BOOTSTRAP_API_KEY))) {
    console.log("• Created the bootstrap admin API key from STEWARD_BOOTSTRAP_API_KEY.");
  }
  const demo = demoMode();
  if (demo) {
    await seedDemoUsers(database);
    await seedDemoContent(database);
  }
  const { startEngine } = await import("@/server/engine/start");
  await startEngine();

  const url = appUrl();
  const lines = [`\n▲ Steward is ready on ${url}`, `  database: ${database.driver === "pglite" ? `embedded PGlite (${e.STEWARD_DATA_DIR})` : "PostgreSQL"}`, `  executor: ${executorMode()}`];
  if (demo) {
    lines.push("  demo mode — sign in as:");
    for (const u of DEMO_USERS) lines.push(`    ${u.email.padEnd(24)} ${u.password.padEnd(18)} (${u.roles.join(", ")})`);
  } else {
    const token = await firstAdminLink(database);
    if (token) lines.push(`  No users yet. Create the first admin (one-time link): ${url}/setup?token=${token}`);
  }
  console.log(lines.join("\n") + "\n");
}
