import crypto from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, type Database } from "@/server/db/database";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

/**
 * A fresh PostgreSQL database of its own on the server at `url`, opened through a TCP proxy the
 * test can take away; `drop()` closes it and drops the database.
 */
export async function proxiedDatabase(url: string): Promise<{ proxy: TcpProxy; database: Database; drop(): Promise<void> }> {
  const dbName = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const direct = new URL(url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(url);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  viaProxy.pathname = `/${dbName}`;
  const database = await openDatabase({ driver: "postgres", url: viaProxy.toString(), max: 2 });
  return {
    proxy,
    database,
    async drop() {
      await proxy.up().catch(() => undefined);
      await database.close();
      await proxy.close();
      const again = postgres(url, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${dbName} with (force)`);
      await again.end();
    },
  };
}

/** proxiedDatabase() for a describe block: opened before its tests, dropped after them. */
export function useProxiedDatabase(url: string): { readonly proxy: TcpProxy; readonly database: Database } {
  let opened: Awaited<ReturnType<typeof proxiedDatabase>> | undefined;
  beforeAll(async () => {
    opened = await proxiedDatabase(url);
  });
  afterAll(async () => {
    await opened?.drop();
  });
  const get = () => {
    if (!opened) throw new Error("the proxied database is not open yet");
    return opened;
  };
  return {
    get proxy() {
      return get().proxy;
    },
    get database() {
      return get().database;
    },
  };
}
