import "server-only";
import http from "node:http";
import { env } from "@/server/env";

/** Set by the server itself from the socket on every request; a client cannot supply it. */
export const PEER_HEADER = "x-steward-peer-address";
/**
 * Set by the server itself on every request: the client's address as `clientAddress` chooses it
 * (un-normalised). better-auth reads its client address from here (server/auth/auth.ts), so sign-in
 * rate limits, sessions and the audit see the same address as the portal's rate limit.
 */
export const CLIENT_ADDRESS_HEADER = "x-steward-client-address";

declare global {
  var __stewardPeerStamp: boolean | undefined;
}

/**
 * Next.js gives route handlers and actions no socket address, and it keeps an `x-forwarded-for`
 * the client sent (it fills the header in from the socket only when it is absent). So the Node
 * server is asked to stamp each request with its socket address and the client address derived
 * from it (overwriting anything a client sent under those names) before Next sees it. Idempotent;
 * call at start, before requests arrive.
 */
export function installPeerAddressStamp(): void {
  if (globalThis.__stewardPeerStamp) return;
  globalThis.__stewardPeerStamp = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      const peer = req.socket?.remoteAddress ?? "";
      req.headers[PEER_HEADER] = peer;
      const forwarded = req.headers["x-forwarded-for"];
      req.headers[CLIENT_ADDRESS_HEADER] = pickAddress(Array.isArray(forwarded) ? forwarded.join(",") : forwarded, peer, trustProxy()) ?? "";
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
}

/**
 * Whether a reverse proxy in front of Steward sets `x-forwarded-for`. Read through env() (the only
 * reader of process.env).
 */
export function trustProxy(): boolean {
  return env().STEWARD_TRUST_PROXY === "1";
}

/** `::ffff:1.2.3.4` is 1.2.3.4; an IPv6 client is limited per /64, the block one subscriber holds. */
export function normaliseAddress(raw: string): string {
  let a = raw.trim().toLowerCase();
  if (a.startsWith("[")) a = a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  a = a.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[1]) return mapped[1];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) return a;
  if (!a.includes(":") || !/^[0-9a-f:]+$/.test(a)) return a || "unknown";
  const [head = "", tail = ""] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = a.includes("::") && tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * The client's address, un-normalised. Behind a trusted proxy: the last `x-forwarded-for` entry,
 * the one that proxy appended. Otherwise only the socket address: a client's own
 * `x-forwarded-for` is never believed, so without the stamp there is no address (null).
 */
function pickAddress(forwardedFor: string | null | undefined, peer: string | null | undefined, trust: boolean): string | null {
  const forwarded = (forwardedFor ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const socket = peer?.trim() || null;
  return trust ? (forwarded.at(-1) ?? socket) : socket;
}

/** The client's address for rate limits (normalised: IPv6 per /64); "unknown" when there is none. */
export function clientAddress(headers: Headers, opts: { trustProxy: boolean }): string {
  return normaliseAddress(pickAddress(headers.get("x-forwarded-for"), headers.get(PEER_HEADER), opts.trustProxy) ?? "unknown");
}
