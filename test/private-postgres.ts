import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, run as the `postgres`
 * user), so a test can really stop and restart PostgreSQL without breaking the tests that share the
 * machine's server. Needs root (to run as `postgres`) and the PostgreSQL 15 binaries, as CI has.
 */
const BIN = "/usr/lib/postgresql/15/bin";

export function privatePostgresAvailable(): boolean {
  return process.getuid?.() === 0 && fs.existsSync(path.join(BIN, "pg_ctl")) && !!process.env.TEST_DATABASE_URL;
}

export interface PrivatePostgres {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  /** `pg_ctl stop -m fast` (open connections are terminated), `downMs` away, then `pg_ctl start`. */
  restart(downMs: number): Promise<{ stoppedAt: number; startedAt: number }>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as `postgres` (it refuses root), without blocking the test's event loop. */
async function asPostgres(args: string[]): Promise<void> {
  await promisify(execFile)("su", ["postgres", "-s", "/bin/sh", "-c", args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")]);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-pg-"));
  fs.chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const data = path.join(dir, "data");
  const port = await freePort();
  await asPostgres([path.join(BIN, "initdb"), "-D", data, "-A", "trust", "-U", "steward", "--no-sync"]);
  const pgCtl = (...args: string[]) => asPostgres([path.join(BIN, "pg_ctl"), "-D", data, "-l", path.join(dir, "log"), ...args]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  await pgCtl("-o", options, "-w", "start");
  return {
    url: `postgres://steward@127.0.0.1:${port}/postgres`,
    async restart(downMs) {
      await pgCtl("-m", "fast", "-w", "stop");
      const stoppedAt = Date.now();
      await new Promise((r) => setTimeout(r, downMs));
      await pgCtl("-o", options, "-w", "start");
      return { stoppedAt, startedAt: Date.now() };
    },
    async destroy() {
      try {
        await pgCtl("-m", "immediate", "-w", "stop");
      } catch {
        // Already stopped.
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
