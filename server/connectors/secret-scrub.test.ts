import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import { EVERYTHING_ENTRY, setTestSecretKey } from "./fixtures/test-helpers";
import { ConnectorPool } from "./pool";
import { approveTools, createConnector, refreshTools } from "./service";
import { createToolPort } from "./tool-port-impl";

setTestSecretKey();

const SECRET = "s3cr3t-value-in-env-123";

/** A tool result is what a Worker's Observations store and its model reads: no connector secret may be in it. */
describe.each(testDatabases())("tool results are scrubbed of the connector's secrets, on $name", (tdb) => {
  let database: Database;
  const pool = new ConnectorPool();

  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(async () => {
    await pool.closeAll();
    await database?.close();
  });

  it("masks an env secret that server-everything's get-env returns", async () => {
    const c = await createConnector(database.db, { name: "envy", transport: "stdio", stdio: { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"], env: { SECRET_TOKEN: SECRET } } });
    await refreshTools(database.db, c.id, pool);
    await approveTools(database.db, c.id, null);
    const result = await createToolPort(database, pool).callTool("envy.get-env", {});
    expect(result.isError).toBe(false);
    const everything = JSON.stringify(result);
    expect(everything).toContain("SECRET_TOKEN");
    expect(everything).toContain("••••");
    expect(everything).not.toContain(SECRET);
  });
});
