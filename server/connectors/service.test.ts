import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { decryptJson } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { connector, user } from "@/server/db/schema";
import { testDatabases } from "@/test/databases";
import { ConnectorError } from "./errors";
import { EVERYTHING_ENTRY, FILESYSTEM_ENTRY, setTestSecretKey, startEverythingHttp } from "./fixtures/test-helpers";
import { ConnectorPool } from "./pool";
import {
  PolicyLoosenError,
  approveTools,
  createConnector,
  deleteConnector,
  getConnector,
  listConnectors,
  listToolsForBuilder,
  refreshTools,
  setEnabled,
  setToolPolicy,
  testConnection,
  updateConnector,
} from "./service";
import { createToolPort } from "./tool-port-impl";

setTestSecretKey();

const ENV_SECRET = "sk-live-THIS-IS-THE-ENV-PLAINTEXT-0001";
const HEADER_SECRET = "Bearer THIS-IS-THE-HEADER-PLAINTEXT-0002";

async function appError(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

describe.each(testDatabases())("connector service on $name", (tdb) => {
  let database: Database;
  const pool = new ConnectorPool();
  let fsRoot: string;

  beforeAll(async () => {
    database = await tdb.open();
    fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "steward-fs-"));
    fs.writeFileSync(path.join(fsRoot, "hello.txt"), "hello from the filesystem server\n");
  });
  afterAll(async () => {
    await pool.closeAll();
    await database?.close();
    fs.rmSync(fsRoot, { recursive: true, force: true });
  });

  describe("validation", () => {
    it("names the field at fault", async () => {
      const bad = await appError(createConnector(database.db, { name: "Bad Name!", transport: "stdio", stdio: { command: "node" } }));
      expect(bad.code).toBe("bad_request");
      expect(bad.problems).toContainEqual(expect.objectContaining({ path: "name" }));

      const noCommand = await appError(createConnector(database.db, { name: "nocmd", transport: "stdio" }));
      expect(noCommand.problems).toEqual([{ path: "stdio", message: "is required for a stdio connector" }]);

      const emptyCommand = await appError(createConnector(database.db, { name: "nocmd", transport: "stdio", stdio: { command: " " } }));
      expect(emptyCommand.problems).toContainEqual(expect.objectContaining({ path: "stdio.command" }));

      const badUrl = await appError(createConnector(database.db, { name: "badurl", transport: "http", http: { url: "ftp://example.com" } }));
      expect(badUrl.problems).toContainEqual(expect.objectContaining({ path: "http.url" }));

      const badEnv = await appError(createConnector(database.db, { name: "badenv", transport: "stdio", stdio: { command: "node", env: { "1BAD": "x" } } }));
      expect(badEnv.problems[0]?.path).toMatch(/^stdio\.env/);

      const badTimeout = await appError(createConnector(database.db, { name: "slowpoke", transport: "http", http: { url: "http://127.0.0.1:1/mcp" }, timeoutMs: 5 }));
      expect(badTimeout.problems).toContainEqual(expect.objectContaining({ path: "timeoutMs" }));
    });

    it("refuses a second connector with the same name", async () => {
      await createConnector(database.db, { name: "dupe", transport: "http", http: { url: "http://127.0.0.1:1/mcp" } });
      const err = await appError(createConnector(database.db, { name: "dupe", transport: "http", http: { url: "http://127.0.0.1:2/mcp" } }));
      expect(err.code).toBe("conflict");
      expect(err.problems).toEqual([{ path: "name", message: "is already taken" }]);
    });
  });

  describe("secrets", () => {
    it("encrypts env and headers at rest and never shows them in list or get views", async () => {
      const s = await createConnector(database.db, {
        name: "secretive",
        transport: "stdio",
        stdio: { command: "node", args: ["server.js"], env: { API_TOKEN: ENV_SECRET, REGION: "eu-west-1-long-region" } },
      });
      const h = await createConnector(database.db, { name: "secretive-http", transport: "http", http: { url: "http://127.0.0.1:1/mcp", headers: { Authorization: HEADER_SECRET } } });

      const [row] = await database.db.select().from(connector).where(eq(connector.id, s.id));
      expect(row?.secretEnv).toMatch(/^v1:/);
      expect(row?.secretEnv).not.toContain(ENV_SECRET);
      expect(JSON.stringify(row?.config)).not.toContain(ENV_SECRET);

      const views = JSON.stringify([await listConnectors(database.db), await getConnector(database.db, s.id), await getConnector(database.db, h.id)]);
      expect(views).not.toContain(ENV_SECRET);
      expect(views).not.toContain(HEADER_SECRET);
      expect(views).not.toContain("eu-west-1-long-region");
      const got = await getConnector(database.db, s.id);
      expect(got.stdio?.env).toEqual([
        { name: "API_TOKEN", value: "••••0001" },
        { name: "REGION", value: "••••gion" },
      ]);
      expect((await getConnector(database.db, h.id)).http?.headers).toEqual([{ name: "Authorization", value: "••••0002" }]);
    });

    it("keeps secrets given as null or left out, removes empty ones, replaces new ones", async () => {
      const c = await createConnector(database.db, {
        name: "patchy",
        transport: "stdio",
        stdio: { command: "node", env: { KEEP: "keep-this-value", DROP: "drop-this-value", OMIT: "omitted-stays" } },
      });
      await updateConnector(database.db, c.id, { stdio: { env: { KEEP: null, DROP: "", ADD: "added-value-123" }, args: ["x.js"] } }, pool);
      const [row] = await database.db.select().from(connector).where(eq(connector.id, c.id));
      expect(decryptJson(row?.secretEnv ?? "")).toEqual({ KEEP: "keep-this-value", OMIT: "omitted-stays", ADD: "added-value-123" });
      expect(row?.config).toEqual({ command: "node", args: ["x.js"] });

      // An edit that touches no secret leaves the ciphertext as it was.
      await updateConnector(database.db, c.id, { timeoutMs: 5_000 }, pool);
      const [again] = await database.db.select().from(connector).where(eq(connector.id, c.id));
      expect(again?.secretEnv).toBe(row?.secretEnv);
      expect(again?.timeoutMs).toBe(5_000);

      // Switching transport drops the other transport's secrets and requires its settings.
      const missingUrl = await appError(updateConnector(database.db, c.id, { transport: "http" }, pool));
      expect(missingUrl.problems).toContainEqual(expect.objectContaining({ path: "http.url" }));
      await updateConnector(database.db, c.id, { transport: "http", http: { url: "http://127.0.0.1:1/mcp", headers: { "X-Key": "header-value-xyz" } } }, pool);
      const [http] = await database.db.select().from(connector).where(eq(connector.id, c.id));
      expect(http?.secretEnv).toBeNull();
      expect(http?.config).toEqual({ url: "http://127.0.0.1:1/mcp" });
      expect(decryptJson(http?.secretHeaders ?? "")).toEqual({ "X-Key": "header-value-xyz" });
    });
  });

  describe("server-everything over stdio", () => {
    let id: string;
    beforeAll(async () => {
      id = (await createConnector(database.db, { name: "everything", transport: "stdio", stdio: { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"] } })).id;
    });

    it("tests the connection: server info and tools with annotations, recorded for review", async () => {
      const res = await testConnection(database.db, id, pool);
      expect(res.ok).toBe(true);
      expect(res.recorded?.added).toContain("echo");
      expect(res.tools.find((t) => t.name === "echo")).toMatchObject({ status: "new", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect((await getConnector(database.db, id)).toolCounts.new).toBe(res.tools.length);
      expect(res.serverName).toBe("mcp-servers/everything");
      const echo = res.tools.find((t) => t.name === "echo");
      expect(echo).toMatchObject({
        description: "Echoes back the input string",
        annotations: { title: "Echo Tool", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      });
      expect(echo?.inputSchema).toMatchObject({ type: "object", properties: { message: { type: "string" } } });
    });

    it("offers no tool until approved, then the approved ones with default policies", async () => {
      const port = createToolPort(database, pool);
      const refreshed = await refreshTools(database.db, id, pool);
      expect(refreshed.added).toEqual([]); // the test recorded them
      expect(refreshed.tools.every((t) => t.status === "new")).toBe(true);
      expect((await port.listTools()).filter((t) => t.connector === "everything")).toEqual([]);
      const unreviewed = await port.callTool("everything.echo", { message: "x" }).catch((e: unknown) => e);
      expect(unreviewed).toBeInstanceOf(ConnectorError);
      expect((unreviewed as ConnectorError).code).toBe("tool_unreviewed");

      const [admin] = await database.db.insert(user).values({ id: "u-admin", name: "Ada", email: "ada@example.com" }).returning();
      const { approved } = await approveTools(database.db, id, admin?.id ?? null, ["echo", "toggle-simulated-logging"]);
      expect(approved).toEqual(["echo", "toggle-simulated-logging"]);
      const detail = await getConnector(database.db, id);
      expect(detail.approvedBy).toBe("u-admin");
      expect(detail.toolCounts.approved).toBe(2);

      const offered = (await port.listTools()).filter((t) => t.connector === "everything");
      expect(offered.map((t) => [t.ref, t.policy])).toEqual([
        ["everything.echo", "autonomous"],
        ["everything.toggle-simulated-logging", "gated"],
      ]);
      const builder = (await listToolsForBuilder(database.db)).filter((t) => t.connector === "everything");
      expect(builder.map((t) => [t.ref, t.stateChanging])).toEqual([
        ["everything.echo", false],
        ["everything.toggle-simulated-logging", true],
      ]);

      const res = await port.callTool("everything.echo", { message: "approved" }, { idempotencyKey: "run:node" });
      expect(res).toMatchObject({ isError: false, text: "Echo: approved", value: "Echo: approved" });

      const unknown = await appError(approveTools(database.db, id, null, ["echo", "nope"]));
      expect(unknown.problems).toEqual([{ path: "names[1]", message: "no tool nope on this connector (refresh the tools first)" }]);
    });

    it("parses structured content into value", async () => {
      await approveTools(database.db, id, null, ["get-structured-content"]);
      const res = await createToolPort(database, pool).callTool("everything.get-structured-content", { location: "Chicago" });
      expect(res.isError).toBe(false);
      expect(res.value).toMatchObject({ temperature: expect.any(Number) });
    });

    it("guards loosening a state-changing tool, and honours tightening", async () => {
      const port = createToolPort(database, pool);
      const refused = await appError(setToolPolicy(database.db, id, "toggle-simulated-logging", "autonomous"));
      expect(refused).toBeInstanceOf(PolicyLoosenError);
      expect(refused.problems).toEqual([{ path: "confirmLoosen", message: "must be true to make a state-changing tool autonomous" }]);

      const loosened = await setToolPolicy(database.db, id, "toggle-simulated-logging", "autonomous", { confirmLoosen: true });
      expect(loosened).toMatchObject({ loosened: true, previous: "gated", tool: { policy: "autonomous", policyOverride: "autonomous", defaultPolicy: "gated" } });

      const tightened = await setToolPolicy(database.db, id, "echo", "gated");
      expect(tightened).toMatchObject({ loosened: false, tool: { policy: "gated" } });
      const disallowed = await setToolPolicy(database.db, id, "echo", "disallowed");
      expect(disallowed.tool.policy).toBe("disallowed");
      expect((await port.listTools(["everything.echo"])).length).toBe(0);
      const err = await port.callTool("everything.echo", { message: "x" }).catch((e: unknown) => e);
      expect((err as ConnectorError).code).toBe("tool_not_allowed");

      const cleared = await setToolPolicy(database.db, id, "echo", null);
      expect(cleared.tool.policy).toBe("autonomous");
      const reset = await setToolPolicy(database.db, id, "toggle-simulated-logging", null);
      expect(reset).toMatchObject({ loosened: false, tool: { policy: "gated" } });
      const unknownTool = await appError(setToolPolicy(database.db, id, "nope", "gated"));
      expect(unknownTool.code).toBe("not_found");
      const badPolicy = await appError(setToolPolicy(database.db, id, "echo", "yolo" as never));
      expect(badPolicy.problems[0]?.path).toBe("policy");
    });

    it("stops offering a disabled connector's tools and refuses calls", async () => {
      const port = createToolPort(database, pool);
      await setEnabled(database.db, id, false, pool);
      expect((await port.listTools()).some((t) => t.connector === "everything")).toBe(false);
      const err = await port.callTool("everything.echo", { message: "x" }).catch((e: unknown) => e);
      expect((err as ConnectorError).code).toBe("disabled");
      await setEnabled(database.db, id, true, pool);
      expect((await port.listTools()).some((t) => t.ref === "everything.echo")).toBe(true);
    });
  });

  describe("server-filesystem over stdio", () => {
    it("gates write tools and runs read tools autonomously by default", async () => {
      const c = await createConnector(database.db, { name: "files", transport: "stdio", stdio: { command: process.execPath, args: [FILESYSTEM_ENTRY, fsRoot] } });
      await refreshTools(database.db, c.id, pool);
      await approveTools(database.db, c.id, null);
      const tools = new Map((await listToolsForBuilder(database.db)).filter((t) => t.connector === "files").map((t) => [t.name, t]));
      for (const name of ["write_file", "edit_file", "move_file", "create_directory"]) {
        expect(tools.get(name)).toMatchObject({ policy: "gated", stateChanging: true });
      }
      for (const name of ["read_text_file", "list_directory", "search_files", "get_file_info"]) {
        expect(tools.get(name)).toMatchObject({ policy: "autonomous", stateChanging: false });
      }
      const read = await createToolPort(database, pool).callTool("files.read_text_file", { path: path.join(fsRoot, "hello.txt") });
      expect(read.isError).toBe(false);
      expect(read.text).toContain("hello from the filesystem server");
    });
  });

  describe("connection failures", () => {
    it("reports a bad command in testConnection and an AppError from refreshTools", async () => {
      const c = await createConnector(database.db, { name: "broken", transport: "stdio", stdio: { command: "/nonexistent/mcp-server-binary" } });
      const res = await testConnection(database.db, c.id, pool);
      expect(res).toMatchObject({ ok: false, tools: [] });
      expect(res.error).toMatch(/command not found: \/nonexistent\/mcp-server-binary/);
      const err = await appError(refreshTools(database.db, c.id, pool));
      expect(err.code).toBe("unprocessable");
    });

    it("a run's call to an HTTP connector whose server went down names the URL and the cause", async () => {
      const server = await startEverythingHttp("streamableHttp");
      try {
        const c = await createConnector(database.db, { name: "remote", transport: "http", http: { url: server.url } });
        await refreshTools(database.db, c.id, pool);
        await approveTools(database.db, c.id, null, ["echo"]);
        const port = createToolPort(database, pool);
        expect((await port.callTool("remote.echo", { message: "up" })).text).toBe("Echo: up");
        await server.stop();
        const err = await port.callTool("remote.echo", { message: "down" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect((err as ConnectorError).code).toBe("transport");
        expect((err as ConnectorError).message).toBe(`Tool remote.echo (${server.url}): connection refused (ECONNREFUSED): nothing is listening there; is the server running?`);
      } finally {
        await server.stop();
      }
    });

    it("deletes a connector with its tools", async () => {
      const c = await createConnector(database.db, { name: "doomed", transport: "http", http: { url: "http://127.0.0.1:1/mcp" } });
      await deleteConnector(database.db, c.id, pool);
      expect((await appError(getConnector(database.db, c.id))).code).toBe("not_found");
    });
  });
});
