import "server-only";
import canonicalize from "canonicalize";
import { ExecutorError, type SendableEvent, type ServeHandler } from "./executor-options";
import { checkpointSchema, inBandSyncSchema, type FunctionConfig, type MemoizedStep, type OutgoingOp } from "./protocol";
import { signatureHeader } from "./signing";

/*
 * The executor's HTTP side, in-process: the requests it makes to the app's serve() handler
 * (signed as an Inngest server signs them), and the requests the SDK makes to it (events sent,
 * steps checkpointed) through the Inngest client's `fetch`.
 */

const SERVE_URL = "http://embedded.invalid/api/inngest";
const CHECKPOINT_PATH = /^\/v1\/checkpoint\/([^/]+)\/async$/;

export class ServeClient {
  constructor(
    private readonly handler: ServeHandler,
    private readonly signingKey: string,
    private readonly serveUrl = SERVE_URL,
  ) {}

  /** Learns the functions from serve() (in-band sync, no network). */
  async sync(): Promise<FunctionConfig[]> {
    const res = await this.request("PUT", {}, { url: this.serveUrl }, { "x-inngest-sync-kind": "in_band" });
    const body: unknown = await res.json().catch(() => null);
    if (res.status !== 200) throw new Error(`In-band sync with serve() failed (${res.status}): ${JSON.stringify(body)}`);
    const parsed = inBandSyncSchema.safeParse(body);
    if (!parsed.success) throw new Error(`In-band sync answered an unexpected shape: ${parsed.error.message}`);
    return parsed.data.functions;
  }

  /** One call of a function (its next step, or its discovery). */
  call(fnId: string, stepId: string, body: unknown): Promise<Response> {
    return this.request("POST", { fnId, stepId }, body);
  }

  private async request(method: "POST" | "PUT", query: Record<string, string>, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const text = canonicalize(body) ?? "null";
    const url = new URL(this.serveUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const req = new Request(url, {
      method,
      body: text,
      headers: { "content-type": "application/json", "x-inngest-signature": signatureHeader(this.signingKey, text), ...headers },
    });
    return method === "POST" ? this.handler.POST(req, undefined) : this.handler.PUT(req, undefined);
  }
}

/** What the executor does with the requests the SDK sends to the Inngest server. */
export interface InngestRoutes {
  started(): boolean;
  send(events: SendableEvent | SendableEvent[]): Promise<string[]>;
  checkpoint(runId: string, raw: string): Promise<Response>;
}

/**
 * The `fetch` given to the Inngest client in embedded mode: `inngest.send()` and `step.sendEvent`
 * (POST {base}/e/{key}) and the SDK's checkpoints land here instead of on the network. Nothing
 * else is served.
 */
export function embeddedFetch(routes: InngestRoutes) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const bodyText = async (empty: string): Promise<string> => {
      const raw = init?.body ?? (input instanceof Request ? await input.text() : empty);
      return typeof raw === "string" ? raw : new TextDecoder().decode(raw as ArrayBuffer);
    };
    if (method === "POST" && /^\/e\/[^/]+$/.test(url.pathname)) {
      if (!routes.started()) return Response.json({ error: "The embedded executor is not running" }, { status: 503 });
      try {
        const ids = await routes.send(JSON.parse(await bodyText("[]")));
        return Response.json({ ids, status: 200 });
      } catch (e) {
        const status = e instanceof ExecutorError ? e.status : 500;
        return Response.json({ error: e instanceof Error ? e.message : String(e), status }, { status });
      }
    }
    const checkpoint = method === "POST" ? CHECKPOINT_PATH.exec(url.pathname) : null;
    if (checkpoint) return routes.checkpoint(decodeURIComponent(checkpoint[1] ?? ""), await bodyText(""));
    return Response.json({ error: `The embedded executor does not serve ${method} ${url.pathname}` }, { status: 404 });
  };
}

/** A checkpoint request as the SDK sends it, or the answer that refuses it (400). */
export function readCheckpoint(raw: string): { runId: string; queueItemId: string | undefined; ops: OutgoingOp[] } | Response {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return Response.json({ error: "The checkpoint body is not JSON" }, { status: 400 });
  }
  const parsed = checkpointSchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: `The checkpoint cannot be read: ${parsed.error.message}` }, { status: 400 });
  return { runId: parsed.data.run_id, queueItemId: parsed.data.qi_id, ops: parsed.data.steps };
}

/**
 * The checkpointed steps to memoize, or the answer that hands them back to the call's own answer:
 * anything but a plain result (another opcode 422, a too large output 413).
 */
export function checkpointedSteps(ops: OutgoingOp[], raw: string, maxStepOutputBytes: number): MemoizedStep[] | Response {
  const steps: MemoizedStep[] = [];
  // The usual body is far below the limit: then no step in it can be over it.
  const measure = raw.length * 3 > maxStepOutputBytes;
  for (const op of ops) {
    if (op.op !== "StepRun") return Response.json({ error: `Cannot checkpoint ${op.op}` }, { status: 422 });
    const data = op.data ?? null;
    if (measure && Buffer.byteLength(JSON.stringify(data)) > maxStepOutputBytes) return Response.json({ error: "Step output too large" }, { status: 413 });
    steps.push({ hashedId: op.id, result: { data } });
  }
  return steps;
}
