import crypto from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "@/server/db/database";

export interface TestDatabase {
  name: "pglite" | "postgres";
  open(): Promise<Database>;
}

/**
 * The databases integration tests run on: embedded PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set (CI sets it). Each open() gives a fresh, migrated, empty database.
 * STEWARD_TEST_PGLITE_THREAD=1 runs PGlite in a worker thread, as the app does (in-process by default:
 * the same statements, and the suite does not pay for a thread per database).
 */
export function testDatabases(): TestDatabase[] {
  const thread = process.env.STEWARD_TEST_PGLITE_THREAD === "1";
  const list: TestDatabase[] = [{ name: "pglite", open: () => openDatabase({ driver: "pglite", thread }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    list.push({
      name: "postgres",
      async open() {
        const dbName = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
        const admin = postgres(url, { max: 1, onnotice: () => {} });
        await admin.unsafe(`create database ${dbName}`);
        await admin.end();
        const u = new URL(url);
        u.pathname = `/${dbName}`;
        const database = await openDatabase({ driver: "postgres", url: u.toString(), max: 5 });
        const close = database.close;
        database.close = async () => {
          await close();
          const again = postgres(url, { max: 1, onnotice: () => {} });
          await again.unsafe(`drop database if exists ${dbName} with (force)`);
          await again.end();
        };
        return database;
      },
    });
  }
  return list;
}
