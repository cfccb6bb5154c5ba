import "server-only";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { RUN_META_KEY } from "@/server/connectors/builtin";
import type { Database } from "@/server/db/database";
import { accessForRun, type RunAccess } from "./collections";
import { getClause } from "./documents";
import { searchKnowledgeHybrid } from "./hybrid";

// The knowledge base's MCP server, run inside the app (server/connectors/builtin.ts) and reading
// the live tables. Every call names its run in `_meta` (the pool adds it; a model cannot), and a
// run's Workers see only the collections granted to its mission.

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

function ok<T extends Record<string, unknown>>(value: T): CallToolResult & { structuredContent: T } {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

function fail(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}

const GRANT_HINT = "an admin grants collections to missions in Settings → Knowledge";

type Access = { ok: true; access: RunAccess } | { ok: false; result: CallToolResult };

async function runAccess(database: Database, meta: Record<string, unknown> | undefined): Promise<Access> {
  const runId = meta?.[RUN_META_KEY];
  if (typeof runId !== "string" || !runId) {
    return { ok: false, result: fail("The knowledge base answers Workers in a run: this call named no run, so no collection is granted to it.") };
  }
  const access = await accessForRun(database, runId);
  if (!access) return { ok: false, result: fail(`Run ${runId} does not exist, so no collection is granted to it.`) };
  if (!access.collections.length) {
    return { ok: false, result: fail(`Mission ${access.missionId} may not search any knowledge collection: ${GRANT_HINT}.`) };
  }
  return { ok: true, access };
}

function names(access: RunAccess): string {
  return access.collections.map((c) => c.slug).join(", ");
}

const hitShape = z.object({
  id: z.string(),
  title: z.string(),
  text: z.string(),
  /** The document's title and id: a citation names the document, its version and the chunk (`id`). */
  document: z.string(),
  documentId: z.string(),
  collection: z.string(),
  version: z.number().int(),
  headingPath: z.array(z.string()),
  score: z.number(),
});

/** A fresh server over `database` (one per connection: the pool keeps it open). */
export function createKnowledgeMcpServer(database: Database): McpServer {
  const server = new McpServer(
    { name: "steward-knowledge", version: "2.0.0" },
    {
      instructions:
        "The organisation's knowledge base (policies and other documents), split into clauses with ids such as REF-1.1. Search the collections granted to your mission and cite clause ids.",
    },
  );

  server.registerTool(
    "search_policies",
    {
      title: "Search the knowledge base",
      description:
        "Hybrid search (full-text and, where an embedding model is registered, meaning) over the clauses of the knowledge collections this mission may search (the refund policy and any other document an admin added), best match first. Returns clause ids (e.g. REF-1.1) with their document and version to cite, and `mode` (hybrid or keyword) with a `notice` when search was keyword only. An empty query lists clauses in document order.",
      inputSchema: {
        query: z.string().max(500).describe("Words or a question, e.g. 'refund opened item after 20 days'"),
        limit: z.number().int().min(1).max(50).optional().describe("Most clauses to return (default 5; 50 for an empty query)"),
        collection: z.string().max(200).optional().describe("Search only this collection (its slug, see list_collections); default: every collection the mission may search"),
      },
      outputSchema: {
        clauses: z.array(hitShape),
        mode: z.enum(["hybrid", "keyword", "vector"]).optional(),
        notice: z.string().optional(),
      },
      annotations: READ_ONLY,
    },
    async ({ query, limit, collection }, extra) => {
      const a = await runAccess(database, extra._meta);
      if (!a.ok) return a.result;
      let ids = a.access.collections.map((c) => c.id);
      if (collection !== undefined) {
        const wanted = a.access.collections.find((c) => c.slug === collection.trim().toLowerCase() || c.id === collection);
        if (!wanted) {
          return fail(`Collection "${collection}" is not granted to mission ${a.access.missionId} (it may search: ${names(a.access)}); ${GRANT_HINT}.`);
        }
        ids = [wanted.id];
      }
      const { hits, mode, notice } = await searchKnowledgeHybrid(database, query, limit ?? (query.trim() ? 5 : 50), { collectionIds: ids });
      return ok({
        clauses: hits.map((h) => ({ id: h.id, title: h.title, text: h.text, document: h.documentTitle, documentId: h.documentId, collection: h.collection, version: h.version, headingPath: h.headingPath, score: h.score })),
        mode,
        ...(notice ? { notice } : {}),
      });
    },
  );

  server.registerTool(
    "get_clause",
    {
      title: "Get clause",
      description: "One clause by its id, e.g. REF-2.1, from a collection this mission may search.",
      inputSchema: { id: z.string().min(1).max(100).describe("Clause id, e.g. REF-1.1") },
      outputSchema: hitShape.omit({ score: true }).shape,
      annotations: READ_ONLY,
    },
    async ({ id }, extra) => {
      const a = await runAccess(database, extra._meta);
      if (!a.ok) return a.result;
      const clause = await getClause(database, id);
      // An ungranted clause reads as absent: its existence is itself something the run may not see.
      if (!clause || !a.access.collections.some((c) => c.slug === clause.collection)) {
        return fail(`No clause ${id} in the collections mission ${a.access.missionId} may search (${names(a.access)}); clause ids look like REF-1.1.`);
      }
      return ok({ id: clause.id, title: clause.title, text: clause.text, document: clause.documentTitle, documentId: clause.documentId, collection: clause.collection, version: clause.version, headingPath: clause.headingPath });
    },
  );

  server.registerTool(
    "list_collections",
    {
      title: "List knowledge collections",
      description: "The knowledge collections this mission may search, by slug and title.",
      inputSchema: {},
      outputSchema: { collections: z.array(z.object({ slug: z.string(), title: z.string() })) },
      annotations: READ_ONLY,
    },
    async (_args, extra) => {
      const a = await runAccess(database, extra._meta);
      if (!a.ok) return a.result;
      return ok({ collections: a.access.collections.map((c) => ({ slug: c.slug, title: c.title })) });
    },
  );

  return server;
}
