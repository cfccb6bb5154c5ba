import "server-only";

// Why a request to an HTTP (streamable or SSE) MCP server failed, in words an admin can act on.
// fetch says only "fetch failed" and keeps the reason in `cause` (ECONNREFUSED, a TLS code); the
// SDK's transports report an HTTP status in their own error classes, and the SSE transport
// flattens the cause into its message. This reads all three.

/** The URL as errors show it: without credentials or query, either of which may carry a token. */
export function shownUrl(url: string | undefined): string {
  if (!url) return "(no URL)";
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.split(/[?#]/)[0] ?? url;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const STATUS_HINT: Record<number, string> = {
  401: "the server refused the credentials: check the connector's headers (e.g. Authorization)",
  403: "the credentials are not allowed to use this server",
  404: "there is no MCP endpoint at this path: check the URL",
  405: "the endpoint does not accept this request: check the URL and the transport (streamable HTTP or SSE)",
};

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(VERIFY|GET)_)/;
const CODE_IN_TEXT = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_[A-Z_]+|ERR_SSL_[A-Z_]+|ERR_TLS_[A-Z_]+|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:VERIFY|GET)_[A-Z_]+)\b/;

interface Found {
  codes: string[];
  status: number | null;
  messages: string[];
}

/** The error, its causes and (for AggregateError) its parts: their codes, messages and any HTTP status. */
function collect(e: unknown, found: Found = { codes: [], status: null, messages: [] }, depth = 0): Found {
  if (!(e instanceof Error) || depth > 6) return found;
  const { code } = e as { code?: unknown };
  if (typeof code === "string") found.codes.push(code);
  // The SDK's StreamableHTTPError and SseError carry the HTTP status as a numeric code.
  if (typeof code === "number" && code >= 400 && code < 600) found.status ??= code;
  if (e.name === "UnauthorizedError" || e.constructor.name === "UnauthorizedError") found.status ??= 401;
  found.messages.push(e.message);
  const status = /\(HTTP (\d{3})\)|Non-200 status code \((\d{3})\)|\bHTTP (\d{3})\b/.exec(e.message);
  if (status) found.status ??= Number(status[1] ?? status[2] ?? status[3]);
  const inText = CODE_IN_TEXT.exec(e.message);
  if (inText?.[1]) found.codes.push(inText[1]);
  // The SSE transport keeps only the text of OpenSSL's error, not its code.
  else if (/wrong version number/i.test(e.message)) found.codes.push("ERR_SSL_WRONG_VERSION_NUMBER");
  if (e instanceof AggregateError) for (const part of e.errors) collect(part, found, depth + 1);
  return collect(e.cause, found, depth + 1);
}

/** What the server said with an error status, when it is short enough to quote. */
function serverWords(messages: string[]): string {
  const m = /Error POSTing to endpoint(?: \(HTTP \d{3}\))?: (.*)$/s.exec(messages.join("\n"));
  const text = m?.[1]?.trim();
  return text && text.length <= 300 && text !== "null" ? `; the server said: ${text.replace(/\s+/g, " ")}` : "";
}

/**
 * The cause of a failed request, e.g. "connection refused (ECONNREFUSED): nothing is listening
 * there; is the server running?" or "HTTP 401 Unauthorized: the server refused the credentials…".
 */
export function httpFailureCause(e: unknown): string {
  const found = collect(e);
  const code = found.codes.find((c) => c !== "ERR_INVALID_ARG_TYPE") ?? null;
  if (found.status) {
    const name = STATUS_TEXT[found.status] ? ` ${STATUS_TEXT[found.status]}` : "";
    const hint = STATUS_HINT[found.status] ?? (found.status >= 500 ? "the server failed to answer the request" : "the server refused the request");
    return `HTTP ${found.status}${name}: ${hint}${serverWords(found.messages)}`;
  }
  if (code === "ECONNREFUSED") return "connection refused (ECONNREFUSED): nothing is listening there; is the server running?";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host not found (${code}): check the URL's host name`;
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return `connection timed out (${code}): the host did not accept the connection`;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return `timeout (${code}): the server accepted the connection but did not answer`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `host unreachable (${code}): check the network and the URL`;
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") return `the server closed the connection (${code})`;
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG") {
    return `TLS handshake failed (${code}): the server does not speak https there; for a plain HTTP server use an http:// URL`;
  }
  if (code && TLS_CODE.test(code)) return `TLS failed (${code}): ${found.messages.at(-1) ?? "the certificate or handshake was refused"}`;
  if (found.messages.includes("bad port")) return "the port is one HTTP clients refuse to use (bad port): use another port";
  const words = [...new Set(found.messages.filter(Boolean))].join(": ");
  return (code ? `${words} (${code})` : words) || "the request failed";
}
