import { formatPath, type FieldProblem } from "@/lib/errors";
import { expressionCostProblem, expressionReferences, parseExpression, RESERVED_IDENTIFIERS, SCOPE_SKIPPED, SCOPE_TRIGGER } from "./expressions";
import { locateJsonError } from "./json-position";
import { groupProblems, groupScope } from "./groups";
import { findCycles, indexGraph, reachableFrom, upstreamQuery, type GraphEdgeLike, type GraphIndex } from "./graph";
import { APPROVED_PORT_ID, checkNodeData, isNodeKind, NODE_KIND_NAMES, nodeExprFields, nodeOutputs, nodeTools } from "./node-kinds";
import { MAX_DOCUMENT_BYTES, missionEdgeSchema, missionGraphSchema, missionNodeSchema, type MissionEdge, type MissionGraph, type MissionNode, type NodeKind } from "./schema";

/** One problem, naming where it is: `path` like `nodes[3].data.fields[0].name` or `edges[2].target`. */
export type Problem = FieldProblem;

export interface ValidationResult {
  /** The parsed graph (defaults filled) when the document has the format's shape, even if it has other problems. */
  graph?: MissionGraph;
  problems: Problem[];
  /**
   * Worth knowing, but no reason to refuse the document or a run: a tool no enabled connector
   * offers yet (an admin may add the connector later; a run that reaches it fails then).
   */
  warnings: Problem[];
}

export interface ValidateOptions {
  /** Tool refs (`connector.tool`) that exist; when given, workers and actions naming others get a warning. */
  tools?: Iterable<string>;
}

const KNOWN_KINDS = NODE_KIND_NAMES.join(", ");

type Issue = { path: readonly PropertyKey[]; message: string; code?: string; input?: unknown };

/**
 * Validates a mission document and reports every problem, not just the first: shape (zod), ids,
 * kinds, edges and ports, cycles, reachability, trigger and verdict, per-kind data rules and
 * expressions (syntax and which nodes they may read).
 */
export function validateMission(input: unknown, options: ValidateOptions = {}): ValidationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { problems: [{ path: "", message: `a mission document must be a JSON object, not ${describeValue(input)}` }], warnings: [] };
  }
  const raw = input as Record<string, unknown>;
  const rawNodes = Array.isArray(raw.nodes) ? (raw.nodes as unknown[]) : [];
  const rawEdges = Array.isArray(raw.edges) ? (raw.edges as unknown[]) : [];
  const problems: Problem[] = [];

  const parsed = missionGraphSchema.safeParse(input);
  let nodes: (MissionNode | undefined)[];
  let edges: (MissionEdge | undefined)[];
  if (parsed.success) {
    nodes = parsed.data.nodes;
    edges = parsed.data.edges;
  } else {
    problems.push(...shapeProblems(parsed.error.issues, rawNodes, rawEdges));
    // Without a node list there is no structure to check.
    if (!Array.isArray(raw.nodes)) return { problems, warnings: [] };
    // Keep checking what did parse, so one typo does not hide the structural problems.
    nodes = rawNodes.map((n) => {
      const r = missionNodeSchema.safeParse(n);
      return r.success ? r.data : undefined;
    });
    edges = rawEdges.map((e) => {
      const r = missionEdgeSchema.safeParse(e);
      return r.success ? r.data : undefined;
    });
  }

  const warnings: Problem[] = [];
  problems.push(...structureProblems(rawNodes, nodes, rawEdges, edges, Array.isArray(raw.edges), options, warnings));
  return parsed.success ? { graph: parsed.data, problems, warnings } : { problems, warnings };
}

/** Problems that block running a graph: all of them (drafts may hold problems; runs may not). */
export function validateForRun(graph: MissionGraph, options: ValidateOptions = {}): Problem[] {
  return validateMission(graph, options).problems;
}

/** Imports a mission document from text: size limit, JSON syntax, then validateMission. */
export function parseMissionDocument(text: string, options: ValidateOptions = {}): ValidationResult {
  const bytes = utf8Length(text);
  if (bytes > MAX_DOCUMENT_BYTES) {
    return {
      problems: [
        {
          path: "",
          message: `the document is too large: ${bytes.toLocaleString("en-US")} bytes, and the limit is ${MAX_DOCUMENT_BYTES.toLocaleString("en-US")} bytes`,
        },
      ],
      warnings: [],
    };
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === "") return { problems: [{ path: "", message: "the document is empty: expected a mission JSON object" }], warnings: [] };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { problems: [{ path: "", message: `the document is not valid JSON: ${jsonErrorText(body, e)}` }], warnings: [] };
  }
  return validateMission(value, options);
}

function utf8Length(text: string): number {
  // Every UTF-16 unit is 1–3 UTF-8 bytes, so most documents are decided without encoding them.
  if (text.length > MAX_DOCUMENT_BYTES) return Math.max(text.length, new TextEncoder().encode(text).length);
  if (text.length * 3 <= MAX_DOCUMENT_BYTES) return text.length;
  return new TextEncoder().encode(text).length;
}

function jsonErrorText(text: string, e: unknown): string {
  const at = locateJsonError(text);
  if (!at) return e instanceof Error ? e.message : String(e);
  if (at.offset >= text.length) return `it ends too early (expected ${at.expected})`;
  return `at line ${at.line}, column ${at.column} expected ${at.expected} but found ${JSON.stringify(text.slice(at.offset, at.offset + 1))}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

function rawId(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

function shapeProblems(issues: readonly Issue[], rawNodes: unknown[], rawEdges: unknown[]): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const problem: Problem = { path: formatPath(path), message: issueMessage(issue) };
    if (path[0] === "nodes" && typeof path[1] === "number") {
      const rawNode = rawNodes[path[1]];
      const id = rawId(rawNode);
      if (id) problem.nodeId = id;
      if (path[2] === "kind" && path.length === 3) {
        const kind = (rawNode as { kind?: unknown }).kind;
        problem.message =
          kind === undefined
            ? `kind is required: one of ${KNOWN_KINDS}`
            : `unknown kind ${JSON.stringify(kind)}: the known kinds are ${KNOWN_KINDS}`;
      }
    } else if (path[0] === "edges" && typeof path[1] === "number") {
      const id = rawId(rawEdges[path[1]]);
      if (id) problem.edgeId = id;
    }
    out.push(problem);
  }
  return out;
}

function issueMessage(issue: Issue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "is required";
  return issue.message;
}

function structureProblems(
  rawNodes: unknown[],
  nodes: (MissionNode | undefined)[],
  rawEdges: unknown[],
  edges: (MissionEdge | undefined)[],
  haveEdges: boolean,
  options: ValidateOptions,
  warnings: Problem[],
): Problem[] {
  const problems: Problem[] = [];
  const tools = options.tools ? new Set(options.tools) : undefined;

  // Nodes: ids, reserved names, the trigger/verdict count. Nodes whose data did not parse still
  // take part in the structure when their id and kind are sound.
  const skeleton: { id: string; kind: NodeKind | "unknown"; index: number }[] = [];
  const nodeAt = new Map<string, number>();
  const triggers: number[] = [];
  let verdicts = 0;
  rawNodes.forEach((raw, i) => {
    const id = nodes[i]?.id ?? rawId(raw);
    const kind = nodes[i]?.kind ?? (raw as { kind?: unknown } | null)?.kind;
    if (id === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) return;
    const seen = nodeAt.get(id);
    if (seen !== undefined) {
      problems.push({ nodeId: id, path: `nodes[${i}].id`, message: `duplicate step id "${id}" (also nodes[${seen}])` });
      return;
    }
    nodeAt.set(id, i);
    if (RESERVED_IDENTIFIERS.has(id)) {
      problems.push({ nodeId: id, path: `nodes[${i}].id`, message: `"${id}" is a reserved word in expressions; choose another id` });
    } else if (id === SCOPE_SKIPPED) {
      problems.push({ nodeId: id, path: `nodes[${i}].id`, message: `"${SCOPE_SKIPPED}" is the list of skipped steps in expressions; choose another id` });
    } else if (id === SCOPE_TRIGGER && kind !== "trigger") {
      problems.push({ nodeId: id, path: `nodes[${i}].id`, message: `"${SCOPE_TRIGGER}" names the run input in expressions; only the trigger may use it` });
    }
    // A node of unknown kind is already reported; it stays in the structure so the nodes after it
    // are not also reported as disconnected.
    skeleton.push({ id, kind: isNodeKind(kind) ? kind : "unknown", index: i });
    if (kind === "trigger") triggers.push(i);
    if (kind === "verdict") verdicts++;
  });

  if (triggers.length === 0) problems.push({ path: "nodes", message: "add a trigger: every mission starts with exactly one" });
  for (const i of triggers.slice(1)) {
    const id = skeleton.find((s) => s.index === i)?.id;
    problems.push({ nodeId: id, path: `nodes[${i}]`, message: `a mission has exactly one trigger; remove this one or "${skeleton.find((s) => s.index === triggers[0])?.id}"` });
  }
  if (verdicts === 0) problems.push({ path: "nodes", message: "add a verdict: every mission ends with one" });

  const kindOf = new Map(skeleton.map((s) => [s.id, s.kind]));
  const parsedOf = new Map<string, MissionNode>();
  for (const s of skeleton) {
    const n = nodes[s.index];
    if (n) parsedOf.set(s.id, n);
  }

  // Edges: ids, endpoints, direction, ports, repeats.
  const edgeIdAt = new Map<string, number>();
  const connectionAt = new Map<string, number>();
  const sound: GraphEdgeLike[] = [];
  edges.forEach((e, i) => {
    if (!e) {
      // Already reported by the schema; if its ends are still readable it keeps its place in the
      // structure, so the nodes after it are not also reported as disconnected.
      const r = rawEdges[i] as { source?: unknown; target?: unknown } | null;
      if (typeof r?.source === "string" && typeof r.target === "string" && kindOf.has(r.source) && kindOf.has(r.target)) {
        if (kindOf.get(r.target) !== "trigger" && kindOf.get(r.source) !== "verdict") sound.push({ source: r.source, target: r.target });
      }
      return;
    }
    const base = { edgeId: e.id };
    const seenId = edgeIdAt.get(e.id);
    if (seenId !== undefined) problems.push({ ...base, path: `edges[${i}].id`, message: `duplicate edge id "${e.id}" (also edges[${seenId}])` });
    else edgeIdAt.set(e.id, i);

    let ok = true;
    const sourceKind = kindOf.get(e.source);
    const targetKind = kindOf.get(e.target);
    if (!nodeAt.has(e.source)) {
      problems.push({ ...base, path: `edges[${i}].source`, message: `connects from "${e.source}", which is not a step in this mission` });
      ok = false;
    }
    if (!nodeAt.has(e.target)) {
      problems.push({ ...base, path: `edges[${i}].target`, message: `connects to "${e.target}", which is not a step in this mission` });
      ok = false;
    }
    if (targetKind === "trigger") {
      problems.push({ ...base, nodeId: e.target, path: `edges[${i}].target`, message: `the trigger "${e.target}" starts the run and cannot have incoming connections` });
      ok = false;
    }
    if (sourceKind === "verdict") {
      problems.push({ ...base, nodeId: e.source, path: `edges[${i}].source`, message: `the verdict "${e.source}" ends the run and cannot connect onwards` });
      ok = false;
    }
    const source = parsedOf.get(e.source);
    if (source && source.kind !== "verdict") {
      const ports = nodeOutputs(source);
      if (!ports.some((p) => p.handle === e.sourceHandle)) {
        const named = ports.filter((p) => p.handle !== undefined).map((p) => p.handle);
        const message =
          e.sourceHandle === undefined
            ? `choose which output of "${e.source}" this connection leaves from: ${named.join(", ")}`
            : named.length === 0
              ? `"${e.source}" has a single output; port "${e.sourceHandle}" does not exist`
              : `"${e.source}" has no output port "${e.sourceHandle}"; its ports are ${[...(ports.some((p) => p.handle === undefined) ? ["the default one (no port named)"] : []), ...named].join(", ")}`;
        problems.push({ ...base, nodeId: e.source, path: `edges[${i}].sourceHandle`, message });
      }
    }
    const connection = `${e.source}\u0000${e.sourceHandle ?? ""}\u0000${e.target}`;
    const seenConnection = connectionAt.get(connection);
    if (seenConnection !== undefined && seenId === undefined) {
      problems.push({ ...base, path: `edges[${i}]`, message: `the same connection is already edges[${seenConnection}]` });
    } else connectionAt.set(connection, i);
    if (ok) sound.push(e);
  });

  // Graph: cycles, reachability. Edges into the trigger or out of a verdict are already reported
  // and left out here, so they do not also show up as cycles.
  const index: GraphIndex = indexGraph({ nodes: skeleton, edges: sound });
  for (const cycle of findCycles(index)) {
    const first = cycle[0] as string;
    problems.push({
      nodeId: first,
      path: `nodes[${nodeAt.get(first)}]`,
      message: `these steps form a cycle, so none of them could ever run: ${[...cycle, first].join(" → ")}`,
    });
  }
  // A step inside a For each runs when its For each does (kinds/for-each.ts checks the group itself).
  const parentOf = (id: string) => parsedOf.get(id)?.parentId;
  if (triggers.length > 0 && haveEdges) {
    const reached = reachableFrom(index, skeleton.filter((s) => s.kind === "trigger").map((s) => s.id));
    for (const s of skeleton) {
      const parent = parentOf(s.id);
      if (!reached.has(s.id) && !(parent !== undefined && reached.has(parent))) problems.push({ nodeId: s.id, path: `nodes[${s.index}]`, message: `this step is disconnected and will never run: ${s.id}` });
    }
  }

  // An approval whose "approved" output leads nowhere: approving would do nothing and the run
  // would end without a verdict (usually the step after it was deleted).
  for (const s of skeleton) {
    if (s.kind !== "approval") continue;
    const onward = edges.some((e) => e?.source === s.id && (e.sourceHandle ?? APPROVED_PORT_ID) === APPROVED_PORT_ID);
    if (!onward) {
      problems.push({
        nodeId: s.id,
        path: `nodes[${s.index}]`,
        message: `the "Approved" output of "${s.id}" leads nowhere: connect it to the step that should follow an approval, or the run ends there without a verdict`,
      });
    }
  }

  problems.push(...groupProblems({ nodes, edges }, new Set(kindOf.keys())));

  // Per node: data rules, tools, expressions and what they may read. A step inside a For each also
  // reads the current `item` and `index`, and what its For each reads.
  const upstream = upstreamQuery(index);
  const isUpstream = (nodeId: string, candidate: string) => {
    const parent = parentOf(nodeId);
    return upstream(nodeId, candidate) || (parent !== undefined && (candidate === parent ? false : upstream(parent, candidate)));
  };
  for (const s of skeleton) {
    const node = parsedOf.get(s.id);
    if (!node) continue;
    const at = (path: (string | number)[]) => formatPath(["nodes", s.index, "data", ...path]);
    for (const p of checkNodeData(node)) problems.push({ nodeId: s.id, path: at(p.path), message: p.message });
    if (tools) {
      for (const { tool, path } of nodeTools(node)) {
        if (!tools.has(tool)) {
          warnings.push({ nodeId: s.id, path: at(path), message: `unknown tool "${tool}": no enabled connector offers it yet, so a run fails when it gets here` });
        }
      }
    }
    for (const field of nodeExprFields(node)) {
      const parsed = parseExpression(field.expression);
      if (!parsed.ok) {
        problems.push({ nodeId: s.id, path: at(field.path), message: `the expression does not parse: ${parsed.message}` });
        continue;
      }
      const costly = expressionCostProblem(field.expression);
      if (costly) problems.push({ nodeId: s.id, path: at(field.path), message: `the expression ${costly}` });
      const refs = expressionReferences(field.expression);
      // Inside a group, the group's scope (a For each's `item` and `index`) is readable too.
      const scope = field.inGroup ? groupScope(node.kind) : node.parentId !== undefined ? groupScope(kindOf.get(node.parentId) ?? "") : [];
      for (const root of refs.roots) {
        if (scope.includes(root)) continue;
        // An expression evaluated inside its own group (an item's result) reads the steps inside it.
        if (field.inGroup && parentOf(root) === s.id) continue;
        const message = referenceProblem(root, s.id, kindOf, isUpstream, false);
        if (message) problems.push({ nodeId: s.id, path: at(field.path), message });
      }
      for (const id of refs.skippedChecks) {
        const message = referenceProblem(id, s.id, kindOf, isUpstream, true);
        if (message) problems.push({ nodeId: s.id, path: at(field.path), message });
      }
    }
  }
  return problems;
}

function referenceProblem(
  ref: string,
  nodeId: string,
  kindOf: Map<string, string>,
  isUpstream: (nodeId: string, candidate: string) => boolean,
  skippedCheck: boolean,
): string | undefined {
  if (!skippedCheck && (ref === SCOPE_TRIGGER || ref === SCOPE_SKIPPED)) return undefined;
  const what = skippedCheck ? `checks whether "${ref}" was skipped` : `refers to "${ref}"`;
  if (!kindOf.has(ref)) return `${what}, which is not a step in this mission`;
  if (ref === nodeId) return `${what}, its own step: an expression can read only the trigger and steps that run before it`;
  if (!isUpstream(nodeId, ref)) {
    return `${what}, which does not run before "${nodeId}": an expression can read only the trigger and steps upstream of it`;
  }
  return undefined;
}
