import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { openDatabase, type Database } from "@/server/db/database";
import { deleteDocument, uploadDocument } from "./documents";
import { seedDemoKnowledge } from "./demo";

interface Found {
  clauses: { id: string; title: string; text: string; score: number }[];
}

/** The real demo knowledge MCP server over stdio, serving what the app exports. */
describe("the knowledge connector serves the app's clauses", () => {
  let database: Database;
  let dir: string;
  let exportFile: string;
  let client: Client;

  const search = async (query: string) => {
    const res = await client.callTool({ name: "search_policies", arguments: { query } });
    return res.structuredContent as unknown as Found;
  };

  beforeAll(async () => {
    database = await openDatabase({ driver: "pglite" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-knowledge-mcp-"));
    // The server's default: clauses.json in its own data dir, where the app exports by default.
    exportFile = path.join(dir, "clauses.json");
    client = new Client({ name: "knowledge-test", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(process.cwd(), "demo/mcp/run.mjs"), "knowledge"],
        env: { ...(process.env as Record<string, string>), DEMO_DATA_DIR: dir },
        stderr: "pipe",
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("serves the built-in refund policy before the app has exported anything", async () => {
    const found = await search("unused item returned within 14 days");
    expect(found.clauses[0]).toMatchObject({ id: "REF-1.1", title: "Full refund within 14 days" });
  }, 30_000);

  it("re-indexes when the app uploads or deletes a document", async () => {
    await seedDemoKnowledge(database, { exportFile });
    const up = await uploadDocument(
      database,
      { content: "# Shipping\n\n## 4.1 Lost parcels\nA parcel missing 15 days after dispatch is refunded in full.\n", filename: "shipping.md" },
      null,
      { exportFile },
    );
    expect(up.clauseIds).toEqual(["SHIP-4.1"]);
    const lost = await search("parcel lost missing");
    expect(lost.clauses[0]).toMatchObject({ id: "SHIP-4.1", title: "Lost parcels", text: "A parcel missing 15 days after dispatch is refunded in full." });
    expect(lost.clauses[0]?.score).toBeGreaterThan(0);
    const clause = await client.callTool({ name: "get_clause", arguments: { id: "ship-4.1" } });
    expect(clause.structuredContent).toMatchObject({ id: "SHIP-4.1", title: "Lost parcels" });
    // The refund policy is still served, ranked as before.
    expect((await search("it arrived damaged")).clauses[0]?.id).toBe("REF-2.1");

    await deleteDocument(database, up.document.id, null, { exportFile });
    expect((await search("parcel lost missing")).clauses.map((c) => c.id)).not.toContain("SHIP-4.1");
    const gone = await client.callTool({ name: "get_clause", arguments: { id: "SHIP-4.1" } });
    expect(gone.isError).toBe(true);
  }, 60_000);

  it("keeps its clauses when the export file is damaged", async () => {
    fs.writeFileSync(exportFile, "{ not json");
    expect((await search("it arrived damaged")).clauses[0]?.id).toBe("REF-2.1");
  }, 30_000);
});
