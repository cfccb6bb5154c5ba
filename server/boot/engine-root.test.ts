import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { eventually } from "@/server/engine/testing/harness";
import { engineRuntime, inngestHandler, sendToEngine, startEmbeddedExecutor } from "./engine-root";
import { startEngine } from "./engine-start";

// The process-wide wiring the app uses (route handler, instrumentation): embedded mode by default.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-runtime-"));
process.env.STEWARD_DATA_DIR = dir;
delete process.env.STEWARD_EXECUTOR;
delete process.env.INNGEST_EVENT_KEY;
delete process.env.INNGEST_BASE_URL;
delete process.env.INNGEST_SIGNING_KEY;

describe("engine runtime (embedded mode)", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ driver: "pglite" });
    setEngineDeps({ database: async () => database });
  });
  afterAll(async () => {
    await globalThis.__stewardEngine?.executor?.stop();
    globalThis.__stewardEngine = undefined;
    resetEngineDeps();
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("builds one handler lazily, keyed on globalThis, with a signing key kept in the data dir", () => {
    const rt = engineRuntime();
    expect(rt.mode).toBe("embedded");
    expect(engineRuntime() === rt).toBe(true);
    expect(fs.readFileSync(path.join(dir, "engine-signing-key"), "utf8")).toBe(rt.signingKey);
    expect(rt.signingKey).toMatch(/^signkey-embedded-[0-9a-f]{64}$/);
  });

  it("rejects unsigned calls on the public route, introspection included", async () => {
    const get = await inngestHandler().GET(new Request("http://localhost/api/inngest") as never, undefined);
    expect(get.status).toBe(401);
    const post = await inngestHandler().POST(
      new Request("http://localhost/api/inngest?fnId=steward-mission-run&stepId=step", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }) as never,
      undefined,
    );
    expect(post.status).toBe(401);
  });

  it("refuses events until the executor runs, then drives mission-run through it", async () => {
    await expect(sendToEngine({ name: "mission/run.requested", data: { runId: "missing" } })).rejects.toThrow(
      "The embedded executor is not running yet",
    );
    const executor = await startEmbeddedExecutor();
    expect((await startEmbeddedExecutor()) === executor).toBe(true);
    expect(executor.functions.map((f) => f.id).sort()).toEqual(["steward-mission-run", "steward-mission-run-failure", "steward-mission-schedules"]);
    await sendToEngine({ name: "mission/run.requested", data: { runId: "missing" } });
    await eventually(async () => {
      const rows = await database.rows<{ status: string }>(sql`select status from engine_run where fn_id = 'steward-mission-run'`);
      return rows[0]?.status === "failed";
    });
    const [run] = await database.rows<{ error: { message: string } }>(sql`select error from engine_run where fn_id = 'steward-mission-run'`);
    expect(run?.error.message).toBe("Run missing does not exist");
    // onFailure ran (and found no run to mark).
    await eventually(async () => {
      const rows = await database.rows<{ status: string }>(sql`select status from engine_run where fn_id = 'steward-mission-run-failure'`);
      return rows[0]?.status === "completed";
    });
  });

  it("startEngine() is idempotent, reuses the running executor, and stops it", async () => {
    const executor = await startEmbeddedExecutor();
    const started = await startEngine();
    expect((await startEngine()) === started).toBe(true);
    expect(started.mode).toBe("embedded");
    expect(started.executor === executor).toBe(true);
    await started.stop();
    expect(globalThis.__stewardEngine?.executor).toBeNull();
    await expect(sendToEngine({ name: "x/y", data: {} })).rejects.toThrow("not running");
  });
});
