import "server-only";
import http from "node:http";
import { env } from "@/server/env";

/** Set by the server itself from the socket on every request; a client cannot supply it. */
export const PEER_HEADER = "x-steward-peer-address";

declare global {
  var __stewardPeerStamp: boolean | undefined;
}

/**
 * Next.js gives route handlers and actions no socket address, and it keeps an `x-forwarded-for`
 * the client sent. So the Node server is asked to stamp each request with its socket address
 * (overwriting anything a client sent under that name) before Next sees it. Idempotent; call at
 * start, before requests arrive.
 */
export function installPeerAddressStamp(): void {
  if (globalThis.__stewardPeerStamp) return;
  globalThis.__stewardPeerStamp = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
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
 * The client's address. Behind a trusted proxy: the last `x-forwarded-for` entry, the one that
 * proxy appended. Otherwise: the socket address stamped by installPeerAddressStamp, or, before
 * that is installed, the `x-forwarded-for` Next.js fills in from the socket.
 */
export function clientAddress(headers: Headers, opts: { trustProxy: boolean }): string {
  const forwarded = (headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const peer = headers.get(PEER_HEADER)?.trim();
  const raw = opts.trustProxy ? (forwarded.at(-1) ?? peer) : peer || forwarded.at(-1);
  return normaliseAddress(raw ?? "unknown");
}
