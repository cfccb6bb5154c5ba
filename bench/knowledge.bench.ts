import crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";
import { seedDemoKnowledge } from "@/server/knowledge/demo";
import { uploadDocument } from "@/server/knowledge/documents";
import { embedPending } from "@/server/knowledge/embeddings/embedder";
import { searchKnowledgeHybrid, type SearchMode } from "@/server/knowledge/hybrid";
import { startFakeEmbeddings } from "@/server/knowledge/testing/fake-embeddings";
import { createModel, createProvider } from "@/server/models/service";
import { DEMO_QUESTIONS } from "./knowledge/evaluation";
import { fillerDocuments, handbookDocuments, handbookQuestions, type EvalQuestion } from "./knowledge/handbook";
import type { BenchResult } from "./types";

// Search quality and speed of the knowledge base (docs/knowledge.md, "Search quality"): recall@5
// and MRR (over the top 10) of the evaluation questions, and search latency p95, for keyword,
// vector and hybrid search, over the demo refund policy and the employee handbook padded to
// 10,000 clauses. Embeddings come from STEWARD_BENCH_EMBEDDINGS_URL (an OpenAI-compatible base URL
// ending in /v1; STEWARD_BENCH_EMBEDDINGS_MODEL names the model, STEWARD_BENCH_EMBEDDINGS_KEY its
// key); `fake` uses the tests' hashed bag-of-words server; unset, vector and hybrid are not measured.

const TOTAL_CLAUSES = 10_000;

interface Scores {
  recallAt5: number;
  mrr: number;
  p95Ms: number;
}

async function evaluate(database: Database, questions: EvalQuestion[], mode: SearchMode): Promise<Scores> {
  let found = 0;
  let rr = 0;
  const times: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const res = await searchKnowledgeHybrid(database, q.question, 10, { mode });
    times.push(performance.now() - t0);
    if (res.mode !== mode) throw new Error(`${mode} search answered as ${res.mode}: ${res.notice ?? ""}`);
    const rank = res.hits.findIndex((h) => h.id === q.clauseId) + 1;
    if (rank && rank <= 5) found++;
    if (rank) rr += 1 / rank;
  }
  times.sort((a, b) => a - b);
  return { recallAt5: found / questions.length, mrr: rr / questions.length, p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)] ?? NaN };
}

async function clauseCount(database: Database): Promise<number> {
  const [row] = await database.rows<{ n: number | string }>(sql`select count(*) as n from knowledge_clause`);
  return Number(row?.n ?? 0);
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const database = await openDatabase({ driver: "pglite" });
  const url = process.env.STEWARD_BENCH_EMBEDDINGS_URL;
  const fake = url === "fake" ? await startFakeEmbeddings() : null;
  try {
    await seedDemoKnowledge(database);
    for (const doc of handbookDocuments()) await uploadDocument(database, doc);
    const handbook = handbookQuestions();
    const small = await clauseCount(database);
    const alone = await evaluate(database, handbook, "keyword");
    results.push({ name: `handbook alone (${small} clauses): keyword recall@5`, value: alone.recallAt5 * 100, unit: "%", better: "higher" });

    const t0 = performance.now();
    for (const doc of fillerDocuments(TOTAL_CLAUSES - small)) await uploadDocument(database, doc);
    const total = await clauseCount(database);
    console.log(`  ${total} clauses uploaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const modes: SearchMode[] = ["keyword"];
    let modelNote = "";
    if (url) {
      if (process.env.STEWARD_BENCH_EMBEDDINGS_KEY) process.env.STEWARD_SECRET_KEY ??= crypto.randomBytes(32).toString("base64");
      const provider = await createProvider(database, {
        name: fake ? "Fake embeddings (hashed bag of words)" : "Bench embeddings",
        kind: "openai-compatible",
        baseUrl: fake?.url ?? url,
        apiKey: process.env.STEWARD_BENCH_EMBEDDINGS_KEY || null,
      });
      const modelName = fake ? "fake" : (process.env.STEWARD_BENCH_EMBEDDINGS_MODEL ?? "text-embedding-3-small");
      await createModel(database, { id: "bench-embed", providerId: provider.id, modelName, purpose: "embedding" });
      const t1 = performance.now();
      const embedded = await embedPending(database, { batchSize: 100 });
      const seconds = (performance.now() - t1) / 1000;
      results.push({ name: `embed ${embedded} clauses`, value: seconds, unit: "s", better: "lower" });
      modes.push("vector", "hybrid");
      modelNote = fake ? "fake hashed bag-of-words embeddings (not a real model)" : `embeddings: ${modelName}`;
    } else {
      console.log("  vector, hybrid: not measured (set STEWARD_BENCH_EMBEDDINGS_URL to an OpenAI-compatible /v1 URL, or `fake`)");
    }

    for (const mode of modes) {
      const notes = mode === "keyword" ? "" : modelNote;
      const demo = await evaluate(database, DEMO_QUESTIONS, mode);
      const hb = await evaluate(database, handbook, mode);
      results.push(
        { name: `${mode}: demo policy recall@5`, value: demo.recallAt5 * 100, unit: "%", better: "higher", notes },
        { name: `${mode}: demo policy MRR`, value: demo.mrr, unit: "", better: "higher", notes },
        { name: `${mode}: handbook recall@5`, value: hb.recallAt5 * 100, unit: "%", better: "higher", notes },
        { name: `${mode}: handbook MRR`, value: hb.mrr, unit: "", better: "higher", notes },
        { name: `${mode}: search p95 at ${total} clauses`, value: Math.max(demo.p95Ms, hb.p95Ms), unit: "ms", better: "lower", notes },
      );
    }
  } finally {
    await database.close();
    await fake?.close();
  }
  return results;
}
