import { describe, expect, it } from "vitest";
import type { ConnectorView } from "@/server/connectors/service";
import { emptyForm, formFromConnector, localProblems, newRow, parseArgs, rowProblem, secretPatch, toCreateInput, toUpdateInput, unplacedProblems, type SecretRow } from "./connector-form-state";

const stored: ConnectorView = {
  id: "c1",
  name: "crm",
  transport: "stdio",
  stdio: { command: "node", args: ["server.js", "--port", "0"], cwd: null, env: [{ name: "API_TOKEN", value: "••••abcd" }, { name: "REGION", value: "••••" }] },
  http: null,
  secretsError: null,
  enabled: true,
  timeoutMs: 30_000,
  serverName: null,
  serverVersion: null,
  approvedAt: null,
  approvedBy: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  toolCounts: { approved: 0, new: 0, changed: 0, removed: 0 },
};

describe("connector form", () => {
  it("builds a create input: args one per line, blank rows and lines dropped", () => {
    const f = { ...emptyForm(), name: " crm ", command: "node", args: "server.js\n\n--flag value\n", env: [{ ...newRow(), name: "TOKEN", value: "t0k3n" }, newRow()] };
    expect(toCreateInput(f)).toEqual({ name: "crm", transport: "stdio", timeoutMs: 60_000, stdio: { command: "node", args: ["server.js", "--flag value"], env: { TOKEN: "t0k3n" } } });
    expect(toCreateInput({ ...f, transport: "http", url: "http://x/mcp", headers: [{ ...newRow(), name: "Authorization", value: "Bearer y" }] })).toEqual({
      name: "crm",
      transport: "http",
      timeoutMs: 60_000,
      http: { url: "http://x/mcp", headers: { Authorization: "Bearer y" } },
    });
    expect(parseArgs("a\n  \nb ")).toEqual(["a", "b "]);
  });

  it("never holds a stored secret: an edit form shows masks and sends only what changed", () => {
    const f = formFromConnector(stored);
    expect(f.env.map((r) => [r.name, r.value, r.masked, r.mode])).toEqual([
      ["API_TOKEN", "", "••••abcd", "keep"],
      ["REGION", "", "••••", "keep"],
    ]);
    expect(toUpdateInput(f, stored)).toEqual({ timeoutMs: 30_000, stdio: { command: "node", args: ["server.js", "--port", "0"], cwd: null, env: {} } });

    const rows: SecretRow[] = [
      { ...f.env[0]!, mode: "replace", value: "new-token" },
      { ...f.env[1]!, mode: "remove" },
      { ...newRow(), name: "EXTRA", value: "x" },
    ];
    expect(secretPatch(rows)).toEqual({ API_TOKEN: "new-token", REGION: "", EXTRA: "x" });
    // "Replace" clicked but nothing typed: the stored value stays.
    expect(secretPatch([{ ...f.env[0]!, mode: "replace", value: "" }])).toEqual({});
  });

  it("starts the secrets over when the transport changes kind", () => {
    const f = { ...formFromConnector(stored), transport: "http" as const, url: "http://h/mcp", headers: [{ ...newRow(), name: "X-Key", value: "k" }] };
    expect(toUpdateInput(f, stored)).toEqual({ timeoutMs: 30_000, transport: "http", http: { url: "http://h/mcp", headers: { "X-Key": "k" } } });
  });

  it("places problems on their fields and rows, and keeps the rest visible", () => {
    const problems = [
      { path: "stdio.env.1BAD", message: "Invalid key in record" },
      { path: "http.headers.bad h", message: "Invalid key in record" },
      { path: "timeoutMs", message: "must be at least 100 ms" },
      { path: "confirmLoosen", message: "must be true" },
    ];
    expect(rowProblem(problems, "stdio.env", "1BAD")).toMatch(/not a valid env var name/);
    expect(rowProblem(problems, "http.headers", "bad h")).toBe("is not a valid HTTP header name");
    expect(unplacedProblems(problems, ["stdio", "http", "timeoutMs"])).toEqual([{ path: "confirmLoosen", message: "must be true" }]);
    expect(localProblems({ ...emptyForm(), timeoutMs: "6s" })).toEqual([{ path: "timeoutMs", message: "must be a whole number of milliseconds" }]);
    expect(localProblems({ ...emptyForm(), timeoutMs: "" })).toEqual([]);
  });
});
