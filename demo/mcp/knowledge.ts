// Demo MCP server: the organisation's policies (the refund policy in the demo), searchable by clause (stdio).
// Start: node demo/mcp/run.mjs knowledge   (data dir: DEMO_DATA_DIR, default .steward/demo/knowledge;
// clauses: KNOWLEDGE_CLAUSES_FILE, default <data dir>/clauses.json, written by the app)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { splitDocument } from "../../server/knowledge/split";
import { CLAUSE_SCHEMA, insertClauses, searchClauses, type Clause } from "./lib/clause-search";
import { openDemoDatabase, type Sql } from "./lib/demo-db";
import { READ_ONLY, createServer, fail, ok, serveStdio } from "./lib/serve";

// The clauses come from the app's knowledge base (Settings → Knowledge): the app exports them to
// a JSON file after every change and this server re-indexes when the file's mtime changes. Until
// the app has exported (or when run on its own), it serves the built-in demo/knowledge/*.md,
// split by the same code the app uses.

const dataDir = path.resolve(process.env.DEMO_DATA_DIR || path.join(".steward", "demo", "knowledge"));
const CLAUSES_FILE = process.env.KNOWLEDGE_CLAUSES_FILE || path.join(dataDir, "clauses.json");
const BUILT_IN_DIR = fileURLToPath(new URL("../knowledge/", import.meta.url));

const exportShape = z.object({
  format: z.literal("steward.knowledge/v1"),
  clauses: z.array(z.object({ id: z.string().min(1), title: z.string(), text: z.string() })),
});

function builtInClauses(): Clause[] {
  const files = fs.readdirSync(BUILT_IN_DIR).filter((f) => f.endsWith(".md")).sort();
  return files.flatMap((f) =>
    splitDocument({ slug: f.replace(/\.md$/, ""), content: fs.readFileSync(path.join(BUILT_IN_DIR, f), "utf8"), format: "markdown" }).clauses.map(({ id, title, text }) => ({ id, title, text })),
  );
}

/** The source to index, named so a change is noticed: the export file's mtime and size, or the built-in policy. */
function sourceSignature(): string {
  try {
    const st = fs.statSync(CLAUSES_FILE);
    return `file:${st.mtimeMs}:${st.size}`;
  } catch {
    return "built-in";
  }
}

function readSource(signature: string): Clause[] | null {
  if (signature === "built-in") return builtInClauses();
  try {
    const parsed = exportShape.safeParse(JSON.parse(fs.readFileSync(CLAUSES_FILE, "utf8")));
    if (parsed.success) return parsed.data.clauses.map(({ id, title, text }) => ({ id, title, text }));
    console.error(`${CLAUSES_FILE}: not a knowledge export (${parsed.error.issues[0]?.message ?? "invalid"}); keeping the current clauses`);
  } catch (e) {
    console.error(`${CLAUSES_FILE}: unreadable (${e instanceof Error ? e.message : String(e)}); keeping the current clauses`);
  }
  return null;
}

async function setup(sql: Sql): Promise<void> {
  await sql.exec(CLAUSE_SCHEMA);
}

const database = openDemoDatabase("knowledge", setup);
let indexed: string | null = null;
let syncing: Promise<void> | null = null;

/** Re-indexes when the source changed since the last call. One sync at a time. */
async function sync(): Promise<void> {
  while (syncing) await syncing;
  const signature = sourceSignature();
  if (signature === indexed) return;
  syncing = (async () => {
    const clauses = readSource(signature);
    if (clauses) {
      const pg = (await database).pg;
      await pg.transaction(async (tx) => {
        await tx.query("delete from clauses");
        await insertClauses(tx, clauses);
      });
    }
    indexed = signature;
  })().finally(() => {
    syncing = null;
  });
  await syncing;
}

const db = async () => {
  await sync();
  return (await database).pg;
};

const clauseShape = z.object({ id: z.string(), title: z.string(), text: z.string(), score: z.number() });

const server = createServer("steward-demo-knowledge", "1.0.0", "The organisation's policies (in the demo, the shop's refund policy), split into numbered clauses (REF-1.1 …). Search them and cite clause ids.");

server.registerTool(
  "search_policies",
  {
    title: "Search refund policy",
    description:
      "Full-text search over the policies' numbered clauses (the refund policy and any other document in the knowledge base), best match first. Returns clause ids (e.g. REF-1.1) to cite. An empty query lists every clause.",
    inputSchema: {
      query: z.string().max(500).describe("Words or a question, e.g. 'refund opened item after 20 days'"),
      limit: z.number().int().min(1).max(50).optional().describe("Most clauses to return (default 5; 50 for an empty query)"),
    },
    outputSchema: { clauses: z.array(clauseShape) },
    annotations: READ_ONLY,
  },
  async ({ query, limit }) => {
    const clauses = await searchClauses(await db(), query, limit ?? (query.trim() ? 5 : 50));
    return ok({ clauses });
  },
);

server.registerTool(
  "get_clause",
  {
    title: "Get clause",
    description: "One clause of the policies by its id, e.g. REF-2.1.",
    inputSchema: { id: z.string().min(1).describe("Clause id, e.g. REF-1.1") },
    outputSchema: { id: z.string(), title: z.string(), text: z.string() },
    annotations: READ_ONLY,
  },
  async ({ id }) => {
    const res = await (await db()).query<Clause>(`select id, title, text from clauses where id = upper($1)`, [id.trim()]);
    const c = res.rows[0];
    return c ? ok({ id: c.id, title: c.title, text: c.text }) : fail(`No clause ${id}; clause ids look like REF-1.1`);
  },
);

await serveStdio(server, database);
