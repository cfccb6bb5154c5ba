import "server-only";
import fs from "node:fs";
import path from "node:path";
import { Inngest, type ClientOptions, type Logger } from "inngest";
import { dataDir, env } from "@/server/env";
import { generateSigningKey } from "./signing";

/** The SDK's logger, for callers outside this adapter (only it imports inngest). */
export type EngineLogger = Logger;

export const APP_ID = "steward";
/** Never resolved: in embedded mode the client's `fetch` is routed to the executor in-process. */
export const EMBEDDED_BASE_URL = "http://embedded.invalid";

export type EngineClientOptions =
  | {
      mode: "embedded";
      signingKey: string;
      /** The executor's event API (EmbeddedExecutor.fetch), usually bound late. */
      fetch: typeof fetch;
      /** The SDK's logger (tests pass a quiet one). */
      logger?: Logger;
    }
  | { mode: "inngest" };

/**
 * The embedded client reads its headers (with the environment's name) once. The SDK builds them
 * on every request it sends, each step's checkpoint included, from all of process.env, which Node
 * enumerates slowly (about 70 µs): under load that was 5–10% of the server's CPU. The process's
 * environment does not change while it runs, and the executor ignores the header anyway.
 */
class EmbeddedInngest<const TOpts extends ClientOptions> extends Inngest<TOpts> {
  #headers: Record<string, string> | undefined;

  override get headers(): Record<string, string> {
    this.#headers ??= super.headers;
    // A copy: callers may add to what they get.
    return { ...this.#headers };
  }
}

/**
 * The Inngest client. Embedded: cloud mode (every call to serve() must carry a valid signature,
 * so the public /api/inngest route rejects forged calls), a locally generated signing key,
 * events and checkpoints sent in-process to the executor. Inngest mode: the
 * INNGEST_* settings from server/env.ts.
 */
export function createEngineClient(opts: EngineClientOptions) {
  if (opts.mode === "embedded") {
    return new EmbeddedInngest({
      id: APP_ID,
      isDev: false,
      signingKey: opts.signingKey,
      eventKey: "embedded",
      baseUrl: EMBEDDED_BASE_URL,
      fetch: opts.fetch,
      // Each step result is checkpointed to the executor and the call goes on (as with an Inngest server).
      checkpointing: true,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  }
  const e = env();
  const dev = e.INNGEST_DEV !== undefined && !["0", "false", ""].includes(e.INNGEST_DEV);
  return new Inngest({
    id: APP_ID,
    ...(dev ? { isDev: true } : {}),
    ...(e.INNGEST_EVENT_KEY ? { eventKey: e.INNGEST_EVENT_KEY } : {}),
    ...(e.INNGEST_SIGNING_KEY ? { signingKey: e.INNGEST_SIGNING_KEY } : {}),
    ...(e.INNGEST_BASE_URL ? { baseUrl: e.INNGEST_BASE_URL } : {}),
  });
}

export type EngineClient = ReturnType<typeof createEngineClient>;

/**
 * The embedded signing key: INNGEST_SIGNING_KEY when set, else one generated on first start and
 * kept in the data dir (0600), so every module layer of the process (and a restart) agrees on it.
 */
export function embeddedSigningKey(): string {
  const configured = env().INNGEST_SIGNING_KEY;
  if (configured) return configured;
  const dir = dataDir();
  const file = path.join(dir, "engine-signing-key");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (/^signkey-\w+-[0-9a-f]{32,}$/.test(existing)) return existing;
  } catch {
    // not created yet
  }
  fs.mkdirSync(dir, { recursive: true });
  const key = generateSigningKey();
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: "wx" });
    return key;
  } catch {
    // Another module layer wrote it first: use theirs.
    return fs.readFileSync(file, "utf8").trim();
  }
}
