// The load client of `npm run bench api`, run as its own process so that its CPU is not the
// server's: a closed loop of `concurrency` workers, each starting one run at a time and reading its
// result back, over keep-alive HTTP/1.1 connections (one per worker).
//
// Why not autocannon: a Steward run is two requests or more (start, then poll until it ends), which
// autocannon cannot express without request hooks, and the same client must drive n8n's single
// request for the comparison to be fair. node:http with a keep-alive agent is lighter on the client
// side than fetch (the client shares the 2 cores with the server).
//
// Usage: node --import tsx bench/api-load.ts '<LoadConfig as JSON>'. Writes JSON lines on stdout:
// {"event":"measuring"} when the measured window opens, {"event":"measured"} when it closes, then
// {"event":"result", …LoadResult}.
import http from "node:http";
import { pathToFileURL } from "node:url";

export type LoadMode =
  /** Steward: one request, `Prefer: wait=30`, answered 200 with the finished run. */
  | "wait"
  /** Steward: start (202), then `GET /api/v1/runs/{id}` every `pollMs` until it ends. */
  | "poll"
  /** n8n: one POST to the webhook, answered with the last node's JSON. */
  | "webhook";

export interface LoadConfig {
  mode: LoadMode;
  /** `http://127.0.0.1:3240`. */
  baseUrl: string;
  /** Steward: the start route (`/api/v1/missions/{id}/runs`); n8n: the webhook path. */
  path: string;
  apiKey?: string;
  body: unknown;
  /** Steward: the verdict summary every run must end with; n8n: the exact JSON answer. */
  expect: unknown;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  pollMs?: number;
  /** Give up on one run after this long (counted as an error). */
  runTimeoutMs?: number;
}

export interface LoadResult {
  mode: LoadMode;
  concurrency: number;
  durationS: number;
  /** Runs whose verified result arrived inside the measured window. */
  ok: number;
  runsPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  errors: { total: number; non2xx: number; wrongResult: number; network: number; timeout: number };
  /** Steward `wait`: runs still going when the 30 s wait ran out (202); they were then polled. */
  waitRanOut: number;
  /** Some error messages, to see what went wrong. */
  errorSamples: string[];
  /** HTTP requests made in the window (starts and polls). */
  requests: number;
  /** Verified results per second of the window. */
  timeline: number[];
}

interface Answer {
  status: number;
  body: string;
}

const WAIT_SECONDS = 30;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

class RunError extends Error {
  constructor(
    readonly kind: "non2xx" | "wrongResult" | "network" | "timeout",
    message: string,
  ) {
    super(message);
  }
}

export async function runLoad(cfg: LoadConfig, onEvent: (event: string) => void = () => {}): Promise<LoadResult> {
  const base = new URL(cfg.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency, maxFreeSockets: cfg.concurrency });
  const pollMs = cfg.pollMs ?? 10;
  const runTimeoutMs = cfg.runTimeoutMs ?? 60_000;
  const body = JSON.stringify(cfg.body);
  const expectedJson = JSON.stringify(cfg.expect);
  let requests = 0;

  function request(method: "GET" | "POST", path: string, extra: Record<string, string> = {}, payload?: string): Promise<Answer> {
    requests++;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: "application/json", ...extra };
      if (cfg.apiKey) headers.authorization = `Bearer ${cfg.apiKey}`;
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = String(Buffer.byteLength(payload));
      }
      const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.setTimeout(runTimeoutMs, () => req.destroy(new Error(`no answer within ${runTimeoutMs} ms`)));
      req.on("error", (e) => reject(new RunError("network", `${method} ${path}: ${e.message}`)));
      req.end(payload);
    });
  }

  const parse = (a: Answer, what: string): Record<string, unknown> => {
    try {
      return JSON.parse(a.body) as Record<string, unknown>;
    } catch {
      throw new RunError("wrongResult", `${what}: not JSON: ${a.body.slice(0, 120)}`);
    }
  };
  const checkRun = (run: Record<string, unknown>) => {
    const verdict = run.verdict as { summary?: unknown } | null | undefined;
    if (run.status !== "succeeded" || verdict?.summary !== cfg.expect) {
      throw new RunError("wrongResult", `run ${String(run.id)}: ${String(run.status)}, verdict ${JSON.stringify(verdict)}`);
    }
  };

  /** GET the run every pollMs until it has ended; checks its verdict. */
  async function pollUntilEnded(link: string, deadline: number): Promise<void> {
    for (;;) {
      const a = await request("GET", link);
      if (a.status !== 200) throw new RunError("non2xx", `GET ${link}: ${a.status} ${a.body.slice(0, 120)}`);
      const run = parse(a, `GET ${link}`);
      if (run.status === "succeeded" || run.status === "failed" || run.status === "cancelled") return checkRun(run);
      if (performance.now() > deadline) throw new RunError("timeout", `run ${link} still ${String(run.status)} after ${runTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  let waitRanOut = 0;
  /** One run, start to verified result. */
  async function oneRun(): Promise<void> {
    const deadline = performance.now() + runTimeoutMs;
    if (cfg.mode === "webhook") {
      const a = await request("POST", cfg.path, {}, body);
      if (a.status < 200 || a.status > 299) throw new RunError("non2xx", `POST: ${a.status} ${a.body.slice(0, 120)}`);
      let got: string;
      try {
        got = JSON.stringify(JSON.parse(a.body));
      } catch {
        throw new RunError("wrongResult", `not JSON: ${a.body.slice(0, 120)}`);
      }
      if (got !== expectedJson) throw new RunError("wrongResult", `answer ${got.slice(0, 200)}`);
      return;
    }
    const a = await request("POST", cfg.path, cfg.mode === "wait" ? { prefer: `wait=${WAIT_SECONDS}` } : {}, body);
    if (a.status === 200 && cfg.mode === "wait") return checkRun(parse(a, "POST"));
    if (a.status !== 202) throw new RunError("non2xx", `POST: ${a.status} ${a.body.slice(0, 160)}`);
    const started = parse(a, "POST") as { runId?: string };
    if (!started.runId) throw new RunError("wrongResult", `POST: no runId in ${a.body.slice(0, 120)}`);
    if (cfg.mode === "wait") waitRanOut++;
    await pollUntilEnded(`/api/v1/runs/${started.runId}`, deadline);
  }

  const latencies: number[] = [];
  const errors = { total: 0, non2xx: 0, wrongResult: 0, network: 0, timeout: 0 };
  const errorSamples: string[] = [];
  const startedAt = performance.now();
  const windowStart = startedAt + cfg.warmupMs;
  const windowEnd = windowStart + cfg.durationMs;
  const timeline = new Array<number>(Math.ceil(cfg.durationMs / 1000)).fill(0);
  let requestsAtStart = 0;
  let requestsAtEnd = -1;
  let waitRanOutAtStart = 0;
  let waitRanOutAtEnd = -1;

  // Idempotent: a timer may fire late on a busy machine, after the workers have already stopped.
  let opened = false;
  let closed = false;
  const openWindow = () => {
    if (opened) return;
    opened = true;
    requestsAtStart = requests;
    waitRanOutAtStart = waitRanOut;
    onEvent("measuring");
  };
  const closeWindow = () => {
    openWindow();
    if (closed) return;
    closed = true;
    requestsAtEnd = requests;
    waitRanOutAtEnd = waitRanOut;
    onEvent("measured");
  };
  const markers = [setTimeout(openWindow, cfg.warmupMs), setTimeout(closeWindow, cfg.warmupMs + cfg.durationMs)];

  async function worker(): Promise<void> {
    while (performance.now() < windowEnd) {
      const t0 = performance.now();
      try {
        await oneRun();
        const t1 = performance.now();
        if (t1 >= windowStart && t1 < windowEnd) {
          latencies.push(t1 - t0);
          const second = Math.floor((t1 - windowStart) / 1000);
          timeline[second] = (timeline[second] ?? 0) + 1;
        }
      } catch (e) {
        const t1 = performance.now();
        if (t1 < windowStart || t1 >= windowEnd) continue;
        const kind = e instanceof RunError ? e.kind : "network";
        errors[kind]++;
        errors.total++;
        if (errorSamples.length < 10) errorSamples.push(e instanceof Error ? e.message : String(e));
        // A refused connection would otherwise spin.
        if (kind === "network") await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  for (const m of markers) clearTimeout(m);
  closeWindow();
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const seconds = cfg.durationMs / 1000;
  return {
    mode: cfg.mode,
    concurrency: cfg.concurrency,
    durationS: seconds,
    ok: latencies.length,
    runsPerSec: latencies.length / seconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
      mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
    },
    errors,
    waitRanOut: (waitRanOutAtEnd < 0 ? waitRanOut : waitRanOutAtEnd) - waitRanOutAtStart,
    errorSamples,
    requests: (requestsAtEnd < 0 ? requests : requestsAtEnd) - requestsAtStart,
    timeline,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cfg = JSON.parse(process.argv[2] ?? "") as LoadConfig;
  const emit = (line: object) => process.stdout.write(JSON.stringify(line) + "\n");
  const result = await runLoad(cfg, (event) => emit({ event }));
  emit({ event: "result", ...result });
  process.exit(0);
}
