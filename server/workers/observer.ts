import "server-only";
import type { WorkerRunInput } from "./types";

type Observe = WorkerRunInput["observe"];
type Obs = Parameters<Observe>[0];

export interface ObserverOptions {
  /** Flush buffered reasoning/text this long after its first character. */
  flushMs?: number;
  /** …or as soon as this many characters are buffered. */
  flushChars?: number;
}

/**
 * Writes a Worker's Observations in order, one at a time, and batches streamed reasoning and text
 * so a long answer becomes a handful of rows rather than one per token. A failed write is kept and
 * rethrown by `close()` so the run fails instead of silently losing its record.
 */
export class WorkerObserver {
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private buffer = "";
  private bufferKind: "reasoning" | "text" | null = null;
  private bufferStep = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushMs: number;
  private readonly flushChars: number;

  constructor(
    private readonly observe: Observe,
    opts: ObserverOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 100;
    this.flushChars = opts.flushChars ?? 200;
  }

  delta(kind: "reasoning" | "text", step: number, text: string): void {
    if (!text) return;
    if (this.bufferKind !== kind || this.bufferStep !== step) this.flush();
    this.bufferKind = kind;
    this.bufferStep = step;
    this.buffer += text;
    if (this.buffer.length >= this.flushChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Records one observation after any buffered text (so rows keep the stream's order). */
  record(obs: Obs): void {
    this.flush();
    this.enqueue(obs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer || !this.bufferKind) return;
    this.enqueue({ kind: this.bufferKind, text: this.buffer, data: { step: this.bufferStep } });
    this.buffer = "";
  }

  /** Flushes and waits for every write; throws the first write failure. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private enqueue(obs: Obs): void {
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.observe(obs);
      } catch (e) {
        this.failure = e;
      }
    });
  }
}
