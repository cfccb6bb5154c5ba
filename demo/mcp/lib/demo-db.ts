import fs from "node:fs";
import path from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";

/** What seed code and tool handlers need: plain and transactional handles both have it. */
export type Sql = Pick<Transaction, "query" | "exec">;

// Each demo server is its own system of record, like the shop, CRM and wiki it stands in for:
// a PGlite data dir per server, seeded on first start. Runs as a plain Node process (not inside
// Next), so nothing here may import server-only code.

const LOCK_WAIT_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Two processes on one PGlite data dir lose data silently, so the dir is locked. A live owner is
 * waited for a while: a restarted connector's new process can start before the old one has exited.
 */
async function lockDir(dir: string): Promise<() => void> {
  const file = path.join(dir, "demo-server.lock");
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      const release = () => {
        try {
          if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number(fs.readFileSync(file, "utf8") || 0);
    if (!owner || owner === process.pid || !alive(owner)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Demo data dir ${dir} is in use by process ${owner}; only one demo server may own it (set DEMO_DATA_DIR to another dir).`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DemoDatabase {
  pg: PGlite;
  close(): Promise<void>;
}

/**
 * Opens the server's data dir (DEMO_DATA_DIR, default .steward/demo/<name>). On first start the
 * database is created and seeded in a side dir and renamed into place when complete: a server
 * killed halfway (clients kill slow stdio servers on close) leaves no half-seeded database behind.
 */
export async function openDemoDatabase(name: string, setup: (sql: Sql) => Promise<void>): Promise<DemoDatabase> {
  const dir = path.resolve(process.env.DEMO_DATA_DIR || path.join(".steward", "demo", name));
  fs.mkdirSync(dir, { recursive: true });
  const release = await lockDir(dir);
  const data = path.join(dir, "pgdata");
  if (!fs.existsSync(data)) {
    const staging = path.join(dir, "pgdata.init");
    fs.rmSync(staging, { recursive: true, force: true });
    const init = new PGlite(staging);
    await init.waitReady;
    await init.transaction((tx) => setup(tx));
    await init.close();
    fs.renameSync(staging, data);
  }
  const pg = new PGlite(data);
  await pg.waitReady;
  return {
    pg,
    async close() {
      await pg.close();
      release();
    },
  };
}
