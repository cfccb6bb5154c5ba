import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase, type Database } from "@/server/db/database";
import type { KillSetup } from "./kill-server";

// What the kill -9 tests share (server/engine/kill-recovery.test.ts, server/engine/for-each-kill.test.ts):
// the databases they run on, the app process they start and SIGKILL (kill-server.ts), and REST
// calls that tell a killed server from a failing one.

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER = path.join(ROOT, "server/engine/testing/kill-server.ts");

/** mulberry32: small, seeded, good enough to pick moments. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Target {
  name: "pglite" | "postgres";
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

function pgliteTarget(): Target {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-kill-"));
  return {
    name: "pglite",
    env: { STEWARD_DATA_DIR: dir },
    open: () => openDatabase({ driver: "pglite", dataDir: dir }),
    drop: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-audit-anchors.jsonl`, { force: true });
    },
  };
}

export async function postgresTarget(url: string): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-kill-pg-"));
  const dbName = `steward_kill_${crypto.randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${dbName}`;
  return {
    name: "postgres",
    // Several replicas may share PostgreSQL, so a restart cannot release leases at once: a short
    // lease keeps the test quick.
    // Its own dir for what the server keeps beside the database (the engine's signing key, the
    // audit anchor file next to it), never the checkout's ./.steward.
    env: { DATABASE_URL: u.toString(), STEWARD_ENGINE_LEASE_MS: "3000", STEWARD_DATA_DIR: dir },
    open: () => openDatabase({ driver: "postgres", url: u.toString(), max: 2 }),
    async drop() {
      const again = postgres(url, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${dbName} with (force)`);
      await again.end();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-audit-anchors.jsonl`, { force: true });
    },
  };
}

export interface Server {
  child: ChildProcess;
  port: number;
  setup?: KillSetup;
  exited: Promise<void>;
  log: string[];
}

/** Every process started, so none outlives the test whatever fails. */
export const spawned = new Set<ChildProcess>();

export async function startServer(target: Target, ledgerUrl?: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", SERVER, ...(ledgerUrl ? [ledgerUrl] : [])], {
    cwd: ROOT,
    env: { ...process.env, ...target.env, STEWARD_DEMO: "0", STEWARD_EXECUTOR: "embedded", STEWARD_SECRET_KEY: "e".repeat(64), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let setup: KillSetup | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: a boot takes seconds on a quiet machine, but this one is shared.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not start within 180 s:\n${log.join("")}`));
    }, 180_000);
    child.stderr?.on("data", (c: Buffer) => log.push(c.toString()));
    child.stdout?.on("data", (c: Buffer) => {
      const text = c.toString();
      log.push(text);
      const s = /^SETUP (.+)$/m.exec(text);
      if (s?.[1]) setup = JSON.parse(s[1]) as KillSetup;
      const r = /^READY (\d+)$/m.exec(text);
      if (r?.[1]) {
        clearTimeout(timer);
        resolve(Number(r[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited before it was ready:\n${log.join("")}`));
    });
  });
  return { child, port, exited, log, ...(setup ? { setup } : {}) };
}

export class Gone extends Error {}

/** One REST call; a refused or reset connection (the server was killed) throws Gone. */
export async function api<T>(server: Server, method: string, url: string, key: string, body?: unknown): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${server.port}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  } catch (e) {
    // The connection may break a moment before the exit is reported.
    const died = await Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))]);
    if (died) throw new Gone();
    throw e;
  }
}

/** PGlite, and PostgreSQL when TEST_DATABASE_URL is set: as testDatabases(), with a data dir or database of its own. */
export function killTargets(): { open: () => Promise<Target>; name: string }[] {
  const targets: { open: () => Promise<Target>; name: string }[] = [{ open: async () => pgliteTarget(), name: "pglite" }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ open: () => postgresTarget(url), name: "postgres" });
  return targets;
}

/** SIGKILLs every process still alive, so none outlives the test whatever failed. */
export async function killAll(): Promise<void> {
  for (const child of spawned) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
  }
}
