import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import type { Database } from "@/server/db/database";
import { createModel, createProvider, testModel } from "@/server/models/service";
import { testDatabases } from "@/test/databases";
import { uploadDocument } from "./documents";
import { embeddingProgress, embedPending, startEmbedding, stopEmbedding } from "./embeddings/embedder";
import { NO_PGVECTOR_NOTICE, vectorSupport } from "./embeddings/vector-support";
import { NO_EMBEDDING_MODEL_NOTICE, searchKnowledgeHybrid } from "./hybrid";
import { searchKnowledge } from "./search";
import { startFakeEmbeddings, type FakeEmbeddingsServer } from "./testing/fake-embeddings";

setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

// The paraphrased question below shares almost no word with the clause that answers it
// (IT-1: laptop / broken / replacement), and several words with clauses that do not.
const IT = `# IT equipment policy

## IT-1 Broken laptops
A member of staff whose laptop is broken receives a replacement within three working days of the service desk confirming the fault.

## IT-2 Computer accounts for new starters
New starters get one computer account, set up before their first day, and how fast it is ready depends on their manager's request.

## IT-3 Phones
Work phones are issued to staff on call; the phone stays the property of the company.

## IT-4 Software
Only software from the company catalogue may be installed; ask the service desk for anything else.

## IT-5 Passwords
Passwords are at least 14 characters long and are never shared, not even with the service desk.

## IT-6 Printers
Print jobs are kept for one day and deleted if not collected from the printer.

## IT-7 Monitors
Each desk gets one monitor; a second one is available on request for design work.
`;

const QUESTION = "whom do I ask when my notebook is cracked?";

const CHUNKS = Array.from({ length: 10 }, (_, i) => `## OPS-${i + 1} Rule ${i + 1}\nOperating rule number ${i + 1} about topic ${"abcdefghij"[i]} and its ${i + 1} steps.\n`).join("\n");

describe.each(testDatabases())("hybrid knowledge search on $name", (tdb) => {
  let database: Database;
  let fake: FakeEmbeddingsServer;
  let hasVector: boolean;

  async function registerEmbeddingModel(): Promise<void> {
    const p = await createProvider(database, { name: "Fake embeddings", kind: "openai-compatible", baseUrl: fake.url });
    await createModel(database, { id: "fake-embed", providerId: p.id, modelName: "fake", purpose: "embedding" });
  }

  beforeAll(async () => {
    database = await tdb.open();
    fake = await startFakeEmbeddings();
    hasVector = (await vectorSupport(database)).available;
    await uploadDocument(database, { content: IT, filename: "it-equipment.md" });
  });
  afterAll(async () => {
    await stopEmbedding(database);
    await database?.close();
    await fake?.close();
  });

  it("has pgvector on PGlite; where it is missing, says so and searches by keyword", async () => {
    if (tdb.name === "pglite") expect(hasVector).toBe(true);
    if (!hasVector) {
      const res = await searchKnowledgeHybrid(database, QUESTION);
      expect(res).toMatchObject({ mode: "keyword", notice: NO_PGVECTOR_NOTICE });
      expect(res.hits.length).toBeGreaterThan(0);
    }
  });

  it("without an embedding model, searches by keyword and says so", async () => {
    const res = await searchKnowledgeHybrid(database, QUESTION);
    expect(res.mode).toBe("keyword");
    expect(res.notice).toBe(hasVector ? NO_EMBEDDING_MODEL_NOTICE : NO_PGVECTOR_NOTICE);
    expect(res.hits.map((h) => h.id)).toEqual((await searchKnowledge(database, QUESTION, 5)).map((h) => h.id));
    expect(await embedPending(database)).toBe(0);
    expect(fake.inputs).toEqual([]);
  });

  it("ranks the clause a paraphrased question needs higher than keyword search does", async () => {
    await registerEmbeddingModel();
    // Settings → Models' "Test" embeds a text with it rather than asking it to chat.
    expect(await testModel(database, "fake-embed")).toMatchObject({ ok: true, text: "Embedded a test text as 256 numbers" });
    fake.inputs.length = 0;
    expect(await embedPending(database)).toBe(hasVector ? 7 : 0);
    const keyword = (await searchKnowledge(database, QUESTION, 5)).map((h) => h.id);
    const hybrid = await searchKnowledgeHybrid(database, QUESTION, 5);
    if (!hasVector) {
      expect(hybrid).toMatchObject({ mode: "keyword", notice: NO_PGVECTOR_NOTICE });
      return;
    }
    expect(hybrid.mode).toBe("hybrid");
    expect(hybrid.notice).toBeUndefined();
    const rank = (ids: string[]) => (ids.includes("IT-1") ? ids.indexOf("IT-1") + 1 : Infinity);
    expect(rank(hybrid.hits.map((h) => h.id))).toBeLessThan(rank(keyword));
    expect(rank(hybrid.hits.map((h) => h.id))).toBeLessThanOrEqual(2);
    expect(hybrid.hits.find((h) => h.id === "IT-1")).toMatchObject({ vectorRank: 1 });
    // The vector side alone finds it first; the fused list keeps the keyword side's best find.
    expect((await searchKnowledgeHybrid(database, QUESTION, 3, { mode: "vector" })).hits[0]?.id).toBe("IT-1");
    expect(hybrid.hits.some((h) => h.keywordRank === 1)).toBe(true);
  });

  it("embeds in the background, resumes after a restart, and never embeds a clause twice", async () => {
    if (!hasVector) return expect((await embeddingProgress(database)).vector.notice).toBe(NO_PGVECTOR_NOTICE);
    fake.inputs.length = 0;
    await uploadDocument(database, { content: `# Operations\n\n${CHUNKS}`, filename: "operations.md" });
    expect(await embeddingProgress(database)).toMatchObject({ modelId: "fake-embed", total: 17, embedded: 7, running: false });
    // Searching while embedding is unfinished says so.
    expect((await searchKnowledgeHybrid(database, "operating rule 4", 3)).notice).toMatch(/Embedding is in progress \(7 of 17 clauses embedded\)/);
    fake.inputs.length = 0; // the query's own embedding

    // Stopped after its first batch (a shutdown between batches)...
    const stop = new AbortController();
    const first = await embedPending(database, { batchSize: 3, signal: stop.signal, onBatch: () => stop.abort() });
    expect(first).toBe(3);
    expect(await embeddingProgress(database)).toMatchObject({ total: 17, embedded: 10 });
    // ...and started again: it carries on from what is stored.
    startEmbedding(database, { batchSize: 3, pollMs: 60_000 });
    await expect.poll(async () => (await embeddingProgress(database)).embedded, { timeout: 10_000 }).toBe(17);
    await stopEmbedding(database);
    expect(fake.inputs).toHaveLength(10);
    expect(new Set(fake.inputs).size).toBe(10);
    // Re-uploading a document with one clause changed embeds only that clause.
    fake.inputs.length = 0;
    await uploadDocument(database, { content: `# Operations\n\n${CHUNKS.replace("Operating rule number 1 ", "Operating rule one ")}`, filename: "operations.md" });
    expect(await embedPending(database)).toBe(1);
    expect(fake.inputs).toEqual([expect.stringContaining("Operating rule one")]);
  });

  it.each(["error", "wrong-count", "zeros", "ragged"] as const)("a bad embedding answer (%s) never breaks search, and nothing bad is stored", async (mode) => {
    if (!hasVector) return;
    fake.mode = mode;
    try {
      const before = await database.rows<{ n: number | string }>(sql`select count(*) as n from knowledge_embedding`);
      const res = await searchKnowledgeHybrid(database, "laptop broken replacement", 3);
      expect(res.mode).toBe("keyword");
      expect(res.notice).toMatch(/Embedding model fake-embed .*keyword search only/);
      expect(res.hits[0]?.id).toBe("IT-1");
      await uploadDocument(database, { content: `# Extra ${mode}\n\n## X-${mode.length} Extra\nAn extra clause for ${mode} answers.\nAnd a second line.`, filename: `extra-${mode}.md` });
      await expect(embedPending(database, { batchSize: 4 })).rejects.toThrow(/Embedding model fake-embed/);
      const after = await database.rows<{ n: number | string }>(sql`select count(*) as n from knowledge_embedding`);
      expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
      // The background embedder keeps the error for Settings → Knowledge, and search still answers.
      startEmbedding(database, { pollMs: 60_000 });
      await expect.poll(async () => (await embeddingProgress(database)).lastError, { timeout: 10_000 }).toMatch(/fake-embed/);
      await stopEmbedding(database);
    } finally {
      fake.mode = "ok";
    }
    expect(await embedPending(database)).toBe(1);
  });
});

describe("re-embedding across a real restart (PGlite on disk)", () => {
  it("carries on from what the stopped process stored, embedding nothing twice", async () => {
    const fs = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const { openDatabase } = await import("@/server/db/database");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "steward-embed-restart-"));
    const fake = await startFakeEmbeddings();
    try {
      let database = await openDatabase({ driver: "pglite", dataDir: dir });
      const p = await createProvider(database, { name: "Fake embeddings", kind: "openai-compatible", baseUrl: fake.url });
      await createModel(database, { id: "fake-embed", providerId: p.id, modelName: "fake", purpose: "embedding" });
      await uploadDocument(database, { content: `# Operations\n\n${CHUNKS}`, filename: "operations.md" });
      const stop = new AbortController();
      expect(await embedPending(database, { batchSize: 4, signal: stop.signal, onBatch: () => stop.abort() })).toBe(4);
      await database.close();

      database = await openDatabase({ driver: "pglite", dataDir: dir });
      expect(await embeddingProgress(database)).toMatchObject({ modelId: "fake-embed", total: 10, embedded: 4, running: false });
      startEmbedding(database, { batchSize: 4, pollMs: 60_000 });
      await expect.poll(async () => (await embeddingProgress(database)).embedded, { timeout: 10_000 }).toBe(10);
      await stopEmbedding(database);
      expect(fake.inputs).toHaveLength(10);
      expect(new Set(fake.inputs).size).toBe(10);
      await database.close();
    } finally {
      await fake.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
