import type { ConnectorView, CreateConnectorInput, UpdateConnectorInput } from "@/server/connectors/service";

export type Transport = "stdio" | "http" | "sse";

export const TRANSPORT_LABELS: Record<Transport, string> = {
  stdio: "stdio",
  http: "Streamable HTTP",
  sse: "SSE (legacy HTTP)",
};

/**
 * One env var or header in the form. A stored one has only a masked value: it is kept unless the
 * admin replaces or removes it, because the browser never had its value.
 */
export interface SecretRow {
  key: string;
  name: string;
  value: string;
  /** The masked value of a stored entry (`••••abcd`); null for a row added in this form. */
  masked: string | null;
  mode: "keep" | "replace" | "remove";
}

export interface ConnectorForm {
  name: string;
  transport: Transport;
  command: string;
  /** One argument per line. */
  args: string;
  cwd: string;
  env: SecretRow[];
  url: string;
  headers: SecretRow[];
  timeoutMs: string;
}

let seq = 0;
export function rowKey(): string {
  return `row-${++seq}`;
}

export function newRow(): SecretRow {
  return { key: rowKey(), name: "", value: "", masked: null, mode: "replace" };
}

export function emptyForm(): ConnectorForm {
  return { name: "", transport: "stdio", command: "", args: "", cwd: "", env: [], url: "", headers: [], timeoutMs: "60000" };
}

function storedRows(entries: { name: string; value: string }[]): SecretRow[] {
  return entries.map((e) => ({ key: rowKey(), name: e.name, value: "", masked: e.value, mode: "keep" }));
}

export function formFromConnector(c: ConnectorView): ConnectorForm {
  return {
    name: c.name,
    transport: c.transport,
    command: c.stdio?.command ?? "",
    args: (c.stdio?.args ?? []).join("\n"),
    cwd: c.stdio?.cwd ?? "",
    env: storedRows(c.stdio?.env ?? []),
    url: c.http?.url ?? "",
    headers: storedRows(c.http?.headers ?? []),
    timeoutMs: String(c.timeoutMs),
  };
}

/** Lines of the args box; blank lines are dropped, other whitespace is kept (it may matter). */
export function parseArgs(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** Blank means "the default" (create) or "unchanged" (edit). */
function timeoutValue(text: string): { timeoutMs?: number } {
  const t = text.trim();
  return t === "" ? {} : { timeoutMs: Number(t) };
}

/** What the browser can tell before asking the server: JSON cannot carry a non-number. */
export function localProblems(f: ConnectorForm): Problem[] {
  const t = f.timeoutMs.trim();
  return t !== "" && !/^\d+$/.test(t) ? [{ path: "timeoutMs", message: "must be a whole number of milliseconds" }] : [];
}

/** Rows as a plain map for a new connector: blank rows are ignored. */
function newMap(rows: SecretRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.name.trim() !== "" || r.value !== "") out[r.name.trim()] = r.value;
  return out;
}

export function toCreateInput(f: ConnectorForm): CreateConnectorInput {
  const base = { name: f.name.trim(), transport: f.transport, ...timeoutValue(f.timeoutMs) };
  if (f.transport === "stdio") {
    return { ...base, stdio: { command: f.command, args: parseArgs(f.args), env: newMap(f.env), ...(f.cwd.trim() ? { cwd: f.cwd.trim() } : {}) } };
  }
  return { ...base, http: { url: f.url, headers: newMap(f.headers) } };
}

/**
 * A patch for the service: stored entries left alone are absent (kept), replaced ones carry the
 * new value, removed ones `""`. Rows added in this form carry their value.
 */
export function secretPatch(rows: SecretRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const name = r.name.trim();
    if (r.masked === null) {
      if (name !== "" || r.value !== "") out[name] = r.value;
    } else if (r.mode === "remove") out[name] = "";
    else if (r.mode === "replace" && r.value !== "") out[name] = r.value;
  }
  return out;
}

export function toUpdateInput(f: ConnectorForm, original: ConnectorView): UpdateConnectorInput {
  const patch: UpdateConnectorInput = { ...timeoutValue(f.timeoutMs) };
  if (f.name.trim() !== original.name) patch.name = f.name.trim();
  if (f.transport !== original.transport) patch.transport = f.transport;
  // Switching between stdio and HTTP starts from nothing: every row counts as new.
  const sameKind = (f.transport === "stdio") === (original.transport === "stdio");
  if (f.transport === "stdio") {
    patch.stdio = { command: f.command, args: parseArgs(f.args), cwd: f.cwd.trim() ? f.cwd.trim() : null, env: sameKind ? secretPatch(f.env) : newMap(f.env) };
  } else {
    patch.http = { url: f.url, headers: sameKind ? secretPatch(f.headers) : newMap(f.headers) };
  }
  return patch;
}

export interface Problem {
  path: string;
  message: string;
}

/** The first message for `path` exactly, or (with `prefix`) for anything under it. */
export function problemAt(problems: readonly Problem[], path: string, prefix = false): string | null {
  const hit = problems.find((p) => p.path === path || (prefix && (p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`))));
  return hit ? hit.message : null;
}

/**
 * The problem naming one env var or header row: zod names a bad key or value by the key itself
 * (`stdio.env.1BAD`). Problems about the map that name no row go to the section.
 */
export function rowProblem(problems: readonly Problem[], section: string, name: string): string | null {
  const message = problemAt(problems, `${section}.${name.trim()}`);
  // zod reports a bad record key with a generic message; say what a good one looks like.
  if (message === "Invalid key in record") {
    return section.endsWith("env") ? "is not a valid env var name: letters, digits and _, not starting with a digit" : "is not a valid HTTP header name";
  }
  return message;
}

/** Problems the form has no field for, shown above the buttons so none is hidden. */
export function unplacedProblems(problems: readonly Problem[], placed: readonly string[]): Problem[] {
  return problems.filter((p) => !placed.some((f) => p.path === f || p.path.startsWith(`${f}.`) || p.path.startsWith(`${f}[`)));
}
