import "server-only";
import { STATUS_CODES } from "node:http";
import { backoffMs } from "@/lib/backoff";

export interface RetryOptions {
  /** Retries after the first attempt (so attempts = maxRetries + 1). */
  maxRetries?: number;
  /** How long to wait for response headers, per attempt. The streamed body is not cut off. */
  timeoutMs?: number;
  /** First backoff; doubles per retry, with ±20% jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest Retry-After we wait for; a provider asking for more fails at once. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
}

export const RETRY_DEFAULTS = {
  maxRetries: 3,
  timeoutMs: 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
} as const;

/** A model provider failed in a way retrying did not fix. The message is meant for people. */
export class ModelProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "ModelProviderError";
  }
}

function retryable(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `retry-after-ms` (OpenAI), else `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The provider's own error message from an error body, when it has one (OpenAI and Anthropic both use `error.message`). */
async function errorDetail(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 2_000);
    try {
      const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const msg = typeof json.error === "string" ? json.error : (json.error?.message ?? json.message);
      if (typeof msg === "string" && msg) return `: ${msg}`;
    } catch {
      // not JSON: fall through to the raw text
    }
    return text.trim() ? `: ${text.trim().slice(0, 300)}` : "";
  } catch {
    return "";
  }
}

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A fetch for AI SDK providers that retries 429, 5xx, timeouts and dropped connections with
 * exponential backoff (honouring Retry-After), then fails with an error that says what happened.
 * The providers' own retries stay off (maxRetries: 0) so this is the only retry policy.
 */
export function retryingFetch(label: string, options: RetryOptions = {}): typeof fetch {
  const o = { ...RETRY_DEFAULTS, ...options };
  const base = options.fetch ?? globalThis.fetch;
  const attempts = o.maxRetries + 1;

  const backoff = (attempt: number) => Math.round(backoffMs(attempt, { baseMs: o.baseDelayMs, maxMs: o.maxDelayMs, jitter: 0.2 }));

  return async (input, init) => {
    const callerSignal = init?.signal ?? undefined;
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      const onCallerAbort = () => controller.abort(callerSignal?.reason);
      if (callerSignal?.aborted) throw callerSignal.reason;
      callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error(`no response within ${o.timeoutMs} ms`));
      }, o.timeoutMs);

      let res: Response;
      try {
        res = await base(input, { ...init, signal: controller.signal });
      } catch (e) {
        clearTimeout(timer);
        callerSignal?.removeEventListener("abort", onCallerAbort);
        if (callerSignal?.aborted) throw e;
        const what = timedOut
          ? `${label} did not answer within ${formatMs(o.timeoutMs)}`
          : `Could not reach ${label} (${describeNetworkError(e)})`;
        if (attempt >= attempts) throw new ModelProviderError(`${what} after ${attempt} attempts`, null, attempt);
        await sleep(backoff(attempt), callerSignal);
        continue;
      }
      clearTimeout(timer);
      if (!retryable(res.status)) return watchBody(res, controller, o.timeoutMs, label, attempt);

      callerSignal?.removeEventListener("abort", onCallerAbort);
      const statusLine = `${res.status} ${res.statusText || STATUS_CODES[res.status] || ""}`.trim();
      const wait = retryAfterMs(res.headers);
      if (attempt >= attempts || (wait !== undefined && wait > o.maxRetryAfterMs)) {
        const detail = await errorDetail(res);
        const asked = attempt < attempts && wait !== undefined ? ` (it asked to retry after ${formatMs(wait)})` : "";
        throw new ModelProviderError(`${label} returned ${statusLine} after ${attempt} attempt${attempt === 1 ? "" : "s"}${asked}${detail}`, res.status, attempt);
      }
      await res.body?.cancel().catch(() => undefined);
      await sleep(wait ?? backoff(attempt), callerSignal);
    }
  };
}

/**
 * A stream that stalls mid-answer would hang a Worker forever: abort when no bytes arrive for
 * `idleMs`. The timer is unref'd so an abandoned body never keeps the process alive.
 */
function watchBody(res: Response, controller: AbortController, idleMs: number, label: string, attempt: number): Response {
  if (!res.body) return res;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      controller.abort(new ModelProviderError(`${label} stopped sending its answer (nothing for ${formatMs(idleMs)})`, null, attempt));
    }, idleMs);
    idle.unref?.();
  };
  arm();
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        arm();
        out.enqueue(chunk);
      },
      flush() {
        clearTimeout(idle);
      },
    }),
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function formatMs(ms: number): string {
  return ms >= 1_000 && ms % 1_000 === 0 ? `${ms / 1_000} s` : ms >= 1_000 ? `${(ms / 1_000).toFixed(1)} s` : `${ms} ms`;
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  return e instanceof Error ? e.message : String(e);
}

/** Our error in an AI SDK error's cause chain (a stream failing mid-read gets wrapped). */
export function findModelProviderError(e: unknown): ModelProviderError | undefined {
  const seen = new Set<unknown>();
  for (let cur: unknown = e; cur instanceof Error && !seen.has(cur); cur = cur.cause) {
    seen.add(cur);
    if (cur instanceof ModelProviderError) return cur;
  }
  return undefined;
}

/** The message to show for a failed model call: ours when it is in the chain, else the SDK's. */
export function modelErrorMessage(e: unknown): string {
  return findModelProviderError(e)?.message ?? (e instanceof Error ? e.message : String(e));
}
