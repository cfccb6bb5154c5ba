import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_KIND_NAMES } from "./node-kinds";
import type { NodeKind } from "./schema";

/**
 * docs/architecture.md, "Node kinds: what a new kind touches": a kind is named only in the files
 * on that list. Every other file asks the registries (lib/mission/node-kinds.ts,
 * components/editor/kinds.tsx, server/engine/nodes/index.ts) for a capability instead. This scans
 * the source and fails when a kind id appears, as code names a kind, in a file not on its list and
 * not on the allow-list below (each entry with its reason).
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = ["app", "components", "server", "lib", "bench"];

/** Files every kind is named in: the registries. */
const REGISTRIES = [
  "lib/mission/schema.ts",
  "lib/mission/node-kinds.ts",
  "components/editor/kinds.tsx",
  "server/engine/nodes/index.ts",
  "server/engine/nodes/quick-kinds.ts",
  // What a second person reviews before a version runs, one section per kind that governs something.
  "lib/mission/governance.ts",
];

/** Where a kind's file stems come from: `forEach` → `for-each`. */
const stem = (kind: string) => kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The files of the list for `kind`, besides the registries, tests, templates and test helpers. */
function ownFile(kind: NodeKind, file: string): boolean {
  const s = stem(kind);
  return (
    file === `server/engine/nodes/${s}.ts` ||
    (file.startsWith(`server/engine/nodes/${s}-`) && file.endsWith(".ts")) ||
    file === `components/editor/inspector/${s}-form.tsx` ||
    file === `lib/mission/kinds/${s}.ts`
  );
}

/** Tests, their helpers and the templates show kinds by example: they may name any. */
const exampleFile = (file: string) => /\.test\.tsx?$/.test(file) || file.includes("/testing/") || file.startsWith("lib/mission/templates/");

/**
 * Kinds that are part of the graph's structure rather than one more kind: every mission has one
 * trigger, where a run starts and whose fields are the run's input (the portal, webhooks,
 * schedules, the MCP tool and the Call mission's input read them), and ends at a verdict, the
 * run's outcome. Code that starts a run or reads its end names them, as the validator does.
 */
const STRUCTURAL: Partial<Record<NodeKind, string>> = {
  trigger: "the graph's entry: one per mission, its fields are the run's input",
  verdict: "the graph's end: the run's outcome",
};

/**
 * Files that name a kind outside its list, each with why. `kind` "*" matches every kind named in the
 * file. Words that are also a kind id but mean something else are here too.
 */
const ALLOWED: { file: string; kind: NodeKind | "*"; reason: string }[] = [
  // Not node kinds: the same word for something else.
  { file: "server/engine/inngest/executor-store.ts", kind: "call", reason: "an engine job's kind (call or timeout), not a node kind" },
  { file: "server/db/schema/engine.ts", kind: "call", reason: "an engine job's kind (call or timeout), not a node kind" },
  { file: "server/db/schema/decisions.ts", kind: "approval", reason: "a decision's kind (approval or tool), not a node kind" },
  { file: "server/rest/openapi/schemas.ts", kind: "approval", reason: "a decision's kind (approval or tool), not a node kind" },
  { file: "lib/decisions/describe.ts", kind: "approval", reason: "a decision's kind (approval or tool), not a node kind" },
  { file: "components/decisions/decision-header.tsx", kind: "approval", reason: "a decision's kind (approval or tool), not a node kind" },
  // Benchmarks build their missions of named kinds, as tests do.
  { file: "lib/mission/bench.ts", kind: "*", reason: "the benchmark's large mission: which kinds it repeats" },
  { file: "bench/engine.bench.ts", kind: "forEach", reason: "the For each per-item benchmark (issue #13)" },
  // Governance: an approval step is what lets a later action's state-changing tool call through, and
  // the Decision Queue holds the approvals and the tool calls of workers and actions. This pairing is
  // the product's rule, older than the registry; a new kind that asks a person would join it here.
  { file: "server/engine/interpreter.ts", kind: "approval", reason: "an approved approval upstream lets a gated tool call through" },
  { file: "server/engine/nodes/gate.ts", kind: "*", reason: "a gated action's call needs the approvals upstream of it" },
  { file: "server/engine/nodes/tool-call.ts", kind: "*", reason: "an action's call carries the approval upstream of it" },
  { file: "server/engine/nodes/approval.ts", kind: "action", reason: "an approval's policy subjects are the tools of the actions after it" },
  { file: "lib/mission/validate.ts", kind: "approval", reason: "an approval whose Approved output leads nowhere" },
  { file: "server/portal/status.ts", kind: "approval", reason: "a portal visitor sees that the run waits for an approval" },
  { file: "server/decisions/inbox.ts", kind: "*", reason: "a decision is asked by an approval step or a worker's or action's tool call" },
  { file: "server/decisions/context.ts", kind: "worker", reason: "a worker's proposal shows the worker's declared outputs" },
  { file: "lib/decisions/rules.ts", kind: "*", reason: "what a rejected decision does depends on the kind that asked it" },
  { file: "components/decisions/decision-inbox.tsx", kind: "*", reason: "a decision's kind (approval, worker, action), drawn by kind" },
];

/** Quoted kind ids where code names a kind: `kind === "wait"`, `NodeHandler<"wait">`, `kind: "wait"`, a kind list, `case "wait":` on a kind. */
function kindsNamed(source: string): Map<NodeKind, number> {
  const ids = NODE_KIND_NAMES.join("|");
  const lit = `["'](${ids})["']`;
  const onLine = [new RegExp(`kind\\??\\s*(?:[!=]==?|:)\\s*${lit}`, "g"), new RegExp(`${lit}\\s*[!=]==?\\s*[\\w.?]*kind\\b`, "gi"), new RegExp(`<${lit}>`, "g")];
  const listed = new RegExp(lit, "g");
  const cased = new RegExp(`case\\s+${lit}`, "g");
  const found = new Map<NodeKind, number>();
  let switchOn = "";
  source.split("\n").forEach((line, i) => {
    const sw = /switch\s*\((.*)\)/.exec(line);
    if (sw) switchOn = sw[1] ?? "";
    const hits: string[] = [];
    for (const re of onLine) for (const m of line.matchAll(re)) hits.push(m[1] as string);
    // A set or list of kinds: `new Set<NodeKind>(["trigger", …])`, `const first: NodeKind[] = […]`.
    if (/kind/i.test(line) && /\[/.test(line)) for (const m of line.matchAll(listed)) hits.push(m[1] as string);
    if (/kind/i.test(switchOn)) for (const m of line.matchAll(cased)) hits.push(m[1] as string);
    for (const h of hits) if (!found.has(h as NodeKind)) found.set(h as NodeKind, i + 1);
  });
  return found;
}

/** A kind's own module imported from elsewhere: `@/lib/mission/kinds/for-each`, `./nodes/call`, `./inspector/wait-form`. */
function kindModulesImported(source: string): Map<NodeKind, number> {
  const found = new Map<NodeKind, number>();
  source.split("\n").forEach((line, i) => {
    const m = /from\s+["']([^"']+)["']/.exec(line);
    if (!m?.[1]) return;
    const spec = m[1];
    for (const kind of NODE_KIND_NAMES) {
      const s = stem(kind);
      if (new RegExp(`(?:mission/kinds|engine/nodes|inspector)/${s}(?:-form|-[a-z-]+)?$`).test(spec) || new RegExp(`^\\.{1,2}/(?:.*/)?(?:kinds/${s}|nodes/${s}|${s}-form)$`).test(spec)) {
        if (!found.has(kind)) found.set(kind, i + 1);
      }
    }
  });
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

const allowed = (file: string, kind: NodeKind) => ALLOWED.some((a) => a.file === file && (a.kind === "*" || a.kind === kind));

function footprint(): { file: string; kind: NodeKind; line: number; allowed: boolean }[] {
  const out: { file: string; kind: NodeKind; line: number; allowed: boolean }[] = [];
  for (const file of SCANNED.flatMap(sourceFiles)) {
    if (REGISTRIES.includes(file) || exampleFile(file)) continue;
    const source = readFileSync(path.join(ROOT, file), "utf8");
    const named = kindsNamed(source);
    for (const [kind, line] of kindModulesImported(source)) if (!named.has(kind)) named.set(kind, line);
    for (const [kind, line] of named) {
      if (STRUCTURAL[kind] || ownFile(kind, file)) continue;
      out.push({ file, kind, line, allowed: allowed(file, kind) });
    }
  }
  return out;
}

describe("what a node kind touches (docs/architecture.md)", () => {
  const found = footprint();

  it("names a kind only in the files on its list, or on the allow-list with a reason", () => {
    const outside = found.filter((f) => !f.allowed).map((f) => `${f.file}:${f.line} names "${f.kind}"`);
    expect(outside).toEqual([]);
  });

  it("has no allow-list entry that is no longer needed", () => {
    const stale = ALLOWED.filter((a) => !found.some((f) => f.file === a.file && (a.kind === "*" || a.kind === f.kind))).map((a) => `${a.file} (${a.kind})`);
    expect(stale).toEqual([]);
  });

  it("finds a kind named as code names it", () => {
    // The scan itself: if these stop matching, the test above checks nothing.
    expect([...kindsNamed('if (node.kind === "forEach") return;').keys()]).toEqual(["forEach"]);
    expect([...kindsNamed('const h: NodeHandler<"wait"> = run;').keys()]).toEqual(["wait"]);
    expect([...kindsNamed('const K = new Set<NodeKind>(["worker", "transform"]);').keys()]).toEqual(["worker", "transform"]);
    expect([...kindsNamed('switch (n.kind) {\n  case "call":\n').keys()]).toEqual(["call"]);
    expect([...kindsNamed('switch (expr.type) {\n  case "call":\n').keys()]).toEqual([]);
    expect([...kindsNamed('const mode = "wait";').keys()]).toEqual([]);
    expect([...kindModulesImported('import { topLevel } from "@/lib/mission/kinds/for-each";').keys()]).toEqual(["forEach"]);
    expect([...kindModulesImported('import { callNode } from "./call";').keys()]).toEqual([]);
    expect([...kindModulesImported('import { x } from "./nodes/call";').keys()]).toEqual(["call"]);
  });
});
