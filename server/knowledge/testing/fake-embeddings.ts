// A local OpenAI-compatible embeddings server for tests and the benchmark: POST /v1/embeddings
// answers deterministically with a hashed bag of words (each word, crudely stemmed and mapped
// through a small table of synonyms, adds to one of DIMS buckets; the vector is L2-normalised), so
// texts that share words or synonyms get similar vectors. It stands in for a real model where none
// is reachable; it knows nothing a real model knows beyond its synonym table. No network.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_DIMS = 256;

// Groups of words the fake treats as one meaning (the first word names the group).
const SYNONYMS: string[][] = [
  ["refund", "money back", "reimburse", "reimbursement", "repay", "repayment"],
  ["laptop", "notebook", "computer", "pc"],
  ["phone", "mobile", "smartphone", "handset", "cellphone"],
  ["leave", "time off", "absence", "holiday", "vacation"],
  ["employee", "staff", "worker", "colleague", "personnel", "people"],
  ["manager", "supervisor", "boss", "line manager", "lead"],
  ["approve", "sign off", "authorise", "authorize", "permission", "consent", "agree"],
  ["request", "ask", "apply", "application", "claim", "submit"],
  ["day", "days", "business day", "working day"],
  ["broken", "damaged", "faulty", "defective", "cracked", "not working"],
  ["deliver", "delivery", "arrive", "arrival", "ship", "shipping", "dispatch", "parcel", "package"],
  ["cost", "price", "fee", "charge", "expense", "pay", "paid", "payment", "money", "amount"],
  ["travel", "trip", "journey", "flight", "train"],
  ["hotel", "accommodation", "lodging", "stay overnight"],
  ["meal", "food", "lunch", "dinner", "breakfast"],
  ["password", "passphrase", "credentials", "login"],
  ["lost", "missing", "misplaced", "stolen"],
  ["new", "replace", "replacement", "swap", "exchange"],
  ["home", "remote", "from home", "telework"],
  ["train", "training", "course", "learning", "education"],
  ["sick", "ill", "illness", "unwell", "medical"],
  ["baby", "parental", "parent", "child", "maternity", "paternity"],
  ["salary", "pay", "wage", "payroll", "compensation"],
  ["bonus", "incentive", "reward"],
  ["security", "secure", "safety"],
  ["data", "information", "record", "records"],
  ["delete", "erase", "remove", "destroy"],
  ["keep", "retain", "retention", "store", "archive"],
  ["month", "months"],
  ["year", "years", "annual", "annually", "yearly"],
  ["week", "weeks", "weekly"],
  ["wrong", "incorrect", "mistaken", "not what i ordered"],
  ["open", "opened", "used", "unsealed"],
  ["original", "same"],
  ["card", "account", "bank"],
  ["late", "overdue", "after the deadline", "too late"],
  ["cancel", "cancellation", "call off", "stop"],
  ["equipment", "hardware", "device", "gear"],
  ["software", "app", "application", "program", "tool"],
  ["office", "desk", "workplace", "building"],
  ["car", "vehicle", "mileage", "drive", "driving"],
  ["gift", "present", "hospitality"],
  ["report", "notify", "tell", "inform", "flag"],
  ["limit", "maximum", "cap", "at most", "up to", "ceiling"],
];

const STOP = new Set("a an the and or of to in on for with by at from is are was were be been it its this that i my we our you your can may must do does how what when who which if not no as after before within".split(" "));

const phrase = new Map<string, string>();
for (const group of SYNONYMS) for (const w of group) phrase.set(w, group[0] ?? w);

function stem(w: string): string {
  return w.replace(/(ies)$/, "y").replace(/(ing|ed|es|s)$/, "");
}

/** The words the fake embeds: lowercase, synonym phrases joined to their group, stop words dropped. */
export function fakeTokens(text: string): string[] {
  let t = ` ${text.toLowerCase().replace(/[^a-z0-9 ]+/g, " ")} `;
  // Multi-word synonyms first, longest first.
  for (const p of [...phrase.keys()].filter((k) => k.includes(" ")).sort((a, b) => b.length - a.length)) {
    t = t.split(` ${p} `).join(` ${phrase.get(p)} `);
  }
  return t
    .split(/\s+/)
    .filter((w) => w && !STOP.has(w))
    .map((w) => phrase.get(w) ?? phrase.get(stem(w)) ?? stem(w));
}

export function fakeEmbedding(text: string, dims = FAKE_DIMS): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const tok of fakeTokens(text)) {
    const h = crypto.createHash("md5").update(tok).digest();
    v[h.readUInt32LE(0) % dims]! += h[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  // An empty text still gets a vector that is not all zero.
  return norm === 1 && v.every((x) => x === 0) ? v.map((_, i) => (i === 0 ? 1 : 0)) : v.map((x) => x / norm);
}

export type FakeMode = "ok" | "error" | "wrong-count" | "zeros" | "ragged";

export interface FakeEmbeddingsServer {
  url: string;
  /** Every text it was asked to embed, in order. */
  inputs: string[];
  mode: FakeMode;
  /** Answers after this long (ms). */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port); `url` is its base URL, ending in /v1. */
export async function startFakeEmbeddings(opts: { dims?: number } = {}): Promise<FakeEmbeddingsServer> {
  const dims = opts.dims ?? FAKE_DIMS;
  const state: FakeEmbeddingsServer = { url: "", inputs: [], mode: "ok", delayMs: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      setTimeout(() => {
        if (req.method !== "POST" || !req.url?.endsWith("/embeddings")) return answer(404, { error: { message: "not found" } });
        let input: string[];
        try {
          const parsed = JSON.parse(body) as { input: string | string[] };
          input = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
        } catch {
          return answer(400, { error: { message: "bad json" } });
        }
        if (state.mode === "error") return answer(400, { error: { message: "model 'fake' is not loaded" } });
        state.inputs.push(...input);
        let vectors = input.map((t) => fakeEmbedding(t, dims));
        if (state.mode === "wrong-count") vectors = vectors.slice(1);
        if (state.mode === "zeros") vectors = vectors.map(() => new Array<number>(dims).fill(0));
        // Vectors of different lengths; a lone one shorter than the stored ones.
        if (state.mode === "ragged") vectors = vectors.map((v, i) => (i % 2 || vectors.length === 1 ? v.slice(0, 8) : v));
        answer(200, {
          object: "list",
          model: "fake",
          data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
          usage: { prompt_tokens: input.length, total_tokens: input.length },
        });
      }, state.delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
