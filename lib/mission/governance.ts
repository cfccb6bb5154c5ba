import canonicalize from "canonicalize";
import { getNodeKind } from "./node-kinds";
import type { Channel, MissionGraph, MissionNode, NodeData, Role } from "./schema";

/**
 * The governance-relevant parts of a mission: what it exposes, which tools it may call and with
 * which arguments, which conditions decide whether an approval is reached, who approves and under
 * which rules, and how the steps are connected. A version whose view differs from the published
 * one's needs a reviewer other than its author before runs use it (server/missions/publishing.ts).
 *
 * Not governance (a builder changes them alone): positions, labels, titles, descriptions, Worker
 * instructions, model, step limit and outputs, verdicts, trigger fields, portal title and intro.
 * Worker instructions steer what a Worker proposes, but never what it may do: its tools, the
 * approvals in its way and the rules of those approvals are all in the view.
 */
export interface GovernanceView {
  /**
   * By node id. `portalSlug`, `schedule` and `webhook` are set only when their channel is on: when a
   * mission runs by itself and with what input, and what an outside system may feed it, are governance.
   */
  triggers: Record<string, TriggerView>;
  /** Tool refs, sorted: the order a Worker lists them in changes nothing. */
  workers: Record<string, { tools: string[] }>;
  actions: Record<string, { tool: string; args: Record<string, string> }>;
  /** Branches in order: the first true branch wins, so order is governance too. */
  conditions: Record<string, { branches: { id: string; expression: string }[] }>;
  approvals: Record<string, ApprovalRules>;
  /**
   * Call mission steps: the mission run (by id), its version and the input it is given, as an
   * action's tool and arguments are. Left out when there is none, so the views (and hashes) of
   * missions without one stay what they were before the kind.
   */
  calls?: Record<string, { mission: string; version: string; input: Record<string, string> }>;
  /** `source|sourceHandle|target`, sorted and unique (edge ids are not content). */
  edges: string[];
}

export interface TriggerView {
  channels: Channel[];
  portalSlug: string | null;
  /** `<cron> <zone>` and the input of each scheduled run. */
  schedule?: { when: string; input: Record<string, string | number | boolean> };
  /** Trigger field → the expression over the request body (none: `body.<field>`). */
  webhook?: { mapping: Record<string, string> };
  /** The MCP tool name an assistant starts it by, when exposed (its description is wording, not governance). */
  tool?: string;
}

export interface ApprovalRules {
  approverRole: Role;
  proposed: { name: string; type: string; expression: string; editable: boolean }[];
  reasonRequiredOnReject: boolean;
  requiredApprovals: number;
  separationOfDuties: boolean;
  timeout: string;
  onTimeout: string;
  escalateTo: Role | null;
}

const sorted = <T>(xs: Iterable<T>): T[] => [...new Set(xs)].sort();

function approvalRules(d: NodeData<"approval">): ApprovalRules {
  return {
    approverRole: d.approverRole,
    proposed: d.proposed.map((p) => ({ name: p.name, type: p.type, expression: p.expression, editable: p.editable })),
    reasonRequiredOnReject: d.reasonRequiredOnReject,
    requiredApprovals: d.requiredApprovals,
    separationOfDuties: d.separationOfDuties,
    timeout: d.timeout,
    onTimeout: d.onTimeout,
    escalateTo: d.escalateTo ?? null,
  };
}

/** Each connection as `source|sourceHandle|target`, once, in document order. */
function edgeKeys(graph: MissionGraph): string[] {
  return [...new Set(graph.edges.map((e) => `${e.source}|${e.sourceHandle ?? ""}|${e.target}`))];
}

export function governanceView(graph: MissionGraph): GovernanceView {
  const view: GovernanceView = { triggers: {}, workers: {}, actions: {}, conditions: {}, approvals: {}, edges: [] };
  for (const n of graph.nodes) {
    switch (n.kind) {
      case "trigger": {
        const channels = sorted(n.data.channels);
        const schedule = n.data.schedule;
        // Left out when off, so the views (and hashes) of versions older than these channels stay the same.
        view.triggers[n.id] = {
          channels,
          portalSlug: channels.includes("portal") ? (n.data.portal?.slug ?? null) : null,
          ...(channels.includes("schedule") && schedule ? { schedule: { when: `${schedule.cron.trim()} ${schedule.timezone}`, input: { ...schedule.input } } } : {}),
          ...(channels.includes("webhook") ? { webhook: { mapping: { ...n.data.webhook?.mapping } } } : {}),
          ...(n.data.tool ? { tool: n.data.tool.name } : {}),
        };
        break;
      }
      case "worker":
        view.workers[n.id] = { tools: sorted(n.data.tools) };
        break;
      case "action":
        view.actions[n.id] = { tool: n.data.tool, args: { ...n.data.args } };
        break;
      case "condition":
        view.conditions[n.id] = { branches: n.data.branches.map((b) => ({ id: b.id, expression: b.expression })) };
        break;
      case "approval":
        view.approvals[n.id] = approvalRules(n.data);
        break;
      case "call":
        (view.calls ??= {})[n.id] = { mission: n.data.missionId, version: String(n.data.version), input: Object.fromEntries(n.data.input.map((i) => [i.field, i.expression])) };
        break;
      case "verdict":
        break;
    }
  }
  view.edges = sorted(edgeKeys(graph));
  return view;
}

/** The view as canonical JSON (RFC 8785): equal views give equal text, so the server hashes this. */
export function governanceJson(graph: MissionGraph): string {
  const json = canonicalize(governanceView(graph));
  if (json === undefined) throw new Error("governanceJson: the view serialised to nothing");
  return json;
}

/** Channels that start runs without a person of this installation asking: the public and the automatic ones. */
const GOVERNED_CHANNELS: readonly Channel[] = ["portal", "schedule", "webhook"];

/**
 * True when the mission can act on nothing outside Steward: no Worker or Action has a tool, there
 * is no approval to loosen, and nothing starts it by itself (the public portal, a schedule, an
 * inbound webhook). Such a version is published by its author at once, whatever changed.
 */
export function governsNothing(graph: MissionGraph): boolean {
  const v = governanceView(graph);
  return (
    Object.values(v.workers).every((w) => w.tools.length === 0) &&
    Object.values(v.actions).every((a) => a.tool === "") &&
    Object.keys(v.approvals).length === 0 &&
    Object.values(v.triggers).every((t) => !t.channels.some((c) => GOVERNED_CHANNELS.includes(c)) && !t.tool)
  );
}

// ---- What changed, for people -------------------------------------------------------------

/** The kinds the governance view covers, as a reviewer reads them (a kind it leaves out is named by the registry). */
const KIND_NAME: Partial<Record<MissionNode["kind"], string>> = {
  trigger: "Trigger",
  worker: "Worker",
  action: "Action",
  condition: "Condition",
  approval: "Approval",
  call: "Call mission",
  verdict: "Verdict",
};

const APPROVAL_FIELDS: { key: Exclude<keyof ApprovalRules, "proposed">; name: string }[] = [
  { key: "approverRole", name: "who decides" },
  { key: "requiredApprovals", name: "approvals needed" },
  { key: "separationOfDuties", name: "separation of duties" },
  { key: "reasonRequiredOnReject", name: "reason required to reject" },
  { key: "timeout", name: "timeout" },
  { key: "onTimeout", name: "on timeout" },
  { key: "escalateTo", name: "escalate to" },
];

const MAX_SHOWN = 120;
/** A first version of a large mission would list every step: the review page shows the full diff. */
export const MAX_CHANGE_LINES = 100;
const MAX_EDGES_LISTED = 20;

/** A value as a person reads it: expressions shortened, booleans on/off, missing as "none". */
function shown(v: unknown): string {
  if (v === null || v === undefined || v === "") return "none";
  if (typeof v === "boolean") return v ? "on" : "off";
  const s = Array.isArray(v) ? v.join(", ") : String(v);
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 1)}…` : s;
}

const from = (a: unknown, b: unknown) => `${shown(a)} → ${shown(b)}`;

/** Names steps as people know them: `Approval "Approve refund"` (the id when there is no label). */
function namer(graph: MissionGraph | null): (kind: MissionNode["kind"], id: string) => string {
  const labels = new Map((graph?.nodes ?? []).map((n) => [`${n.kind}:${n.id}`, n.data.label?.trim()]));
  // A mission has one trigger: its label says nothing a reviewer needs.
  return (kind, id) => (kind === "trigger" ? "Trigger" : `${KIND_NAME[kind] ?? getNodeKind(kind).label} "${labels.get(`${kind}:${id}`) || id}"`);
}

function edgeText(key: string): string {
  const [source, handle, target] = key.split("|");
  return `${source}${handle ? ` (${handle})` : ""} → ${target}`;
}

function approvalLines(before: ApprovalRules, after: ApprovalRules): string[] {
  const out: string[] = [];
  for (const f of APPROVAL_FIELDS) if (before[f.key] !== after[f.key]) out.push(`${f.name} ${from(before[f.key], after[f.key])}`);
  const old = new Map(before.proposed.map((p) => [p.name, p]));
  const now = new Map(after.proposed.map((p) => [p.name, p]));
  for (const p of after.proposed) {
    const q = old.get(p.name);
    if (!q) {
      out.push(`new proposed value ${p.name} = ${shown(p.expression)}${p.editable ? " (editable)" : ""}`);
      continue;
    }
    if (q.expression !== p.expression) out.push(`proposed value ${p.name} ${from(q.expression, p.expression)}`);
    if (q.type !== p.type) out.push(`proposed value ${p.name} type ${from(q.type, p.type)}`);
    if (q.editable !== p.editable) out.push(`proposed value ${p.name} ${p.editable ? "now editable by the approver" : "no longer editable"}`);
  }
  for (const q of before.proposed) if (!now.has(q.name)) out.push(`removed proposed value ${q.name}`);
  return out;
}

function newApprovalLines(r: ApprovalRules): string[] {
  const rules = APPROVAL_FIELDS.filter((f) => f.key !== "escalateTo" || r.escalateTo).map((f) => `${f.name} ${shown(r[f.key])}`);
  return [rules.join(", "), ...r.proposed.map((p) => `proposed value ${p.name} = ${shown(p.expression)}${p.editable ? " (editable)" : ""}`)];
}

const scheduleText = (s: NonNullable<TriggerView["schedule"]>) => `${s.when}${Object.keys(s.input).length ? ` with input ${JSON.stringify(s.input)}` : ""}`;
const mappingText = (m: Record<string, string>) => Object.entries(m).map(([k, e]) => `${k} = ${e}`).join(", ") || "each field from body.<field>";

function channelLines(before: TriggerView | undefined, after: TriggerView): string[] {
  const out: string[] = [];
  const had = new Set(before?.channels ?? []);
  const has = new Set(after.channels);
  const named = (c: Channel, v: TriggerView) => {
    if (c === "portal") return `the public portal${v.portalSlug ? ` (${v.portalSlug})` : ""}`;
    if (c === "schedule" && v.schedule) return `a schedule (${shown(scheduleText(v.schedule))})`;
    if (c === "webhook" && v.webhook) return `an inbound webhook (${shown(mappingText(v.webhook.mapping))})`;
    return `the ${c} channel`;
  };
  for (const c of after.channels) if (!had.has(c)) out.push(`now on ${named(c, after)}`);
  for (const c of had) if (!has.has(c)) out.push(`no longer on ${c === "portal" ? "the public portal" : `the ${c} channel`}`);
  if (had.has("portal") && has.has("portal") && before?.portalSlug !== after.portalSlug) out.push(`portal address ${from(before?.portalSlug, after.portalSlug)}`);
  if (before?.schedule && after.schedule && scheduleText(before.schedule) !== scheduleText(after.schedule)) out.push(`schedule ${from(scheduleText(before.schedule), scheduleText(after.schedule))}`);
  if (before?.tool !== after.tool) {
    out.push(!after.tool ? `no longer an MCP tool (was ${before?.tool})` : before?.tool ? `MCP tool name ${from(before.tool, after.tool)}` : `now an MCP tool for AI assistants (${after.tool})`);
  }
  if (before?.webhook && after.webhook && mappingText(before.webhook.mapping) !== mappingText(after.webhook.mapping)) {
    out.push(`webhook mapping ${from(mappingText(before.webhook.mapping), mappingText(after.webhook.mapping))}`);
  }
  return out;
}

type Section = keyof Omit<GovernanceView, "edges">;
const SECTION_KIND: Record<Section, MissionNode["kind"]> = {
  triggers: "trigger",
  workers: "worker",
  actions: "action",
  conditions: "condition",
  approvals: "approval",
  calls: "call",
};

/** A called mission as people read it: its name when the step keeps one (`"Escalate ticket" (<id>)`), else its id (`none` when not chosen). */
type MissionText = (missionId: string) => string;

function missionTexts(...graphs: (MissionGraph | null)[]): MissionText {
  const names = new Map<string, string>();
  for (const g of graphs) for (const n of g?.nodes ?? []) if (n.kind === "call" && n.data.missionName.trim()) names.set(n.data.missionId, n.data.missionName.trim());
  return (id) => (names.has(id) ? `"${shown(names.get(id))}" (${id})` : shown(id));
}

/** Lines for one node present in both views (same id, same kind). */
function changedNodeLines(section: Section, a: GovernanceView, b: GovernanceView, id: string, mission: MissionText): string[] {
  switch (section) {
    case "triggers":
      return channelLines(a.triggers[id], b.triggers[id]!);
    case "workers": {
      const had = new Set(a.workers[id]!.tools);
      const has = new Set(b.workers[id]!.tools);
      return [...[...has].filter((t) => !had.has(t)).map((t) => `new tool ${t}`), ...[...had].filter((t) => !has.has(t)).map((t) => `removed tool ${t}`)];
    }
    case "actions": {
      const x = a.actions[id]!;
      const y = b.actions[id]!;
      const out: string[] = [];
      if (x.tool !== y.tool) out.push(`tool ${from(x.tool, y.tool)}`);
      for (const [k, expr] of Object.entries(y.args)) {
        if (!(k in x.args)) out.push(`new argument ${k} = ${shown(expr)}`);
        else if (x.args[k] !== expr) out.push(`argument ${k} ${from(x.args[k], expr)}`);
      }
      for (const k of Object.keys(x.args)) if (!(k in y.args)) out.push(`removed argument ${k}`);
      return out;
    }
    case "conditions": {
      const x = a.conditions[id]!.branches;
      const y = b.conditions[id]!.branches;
      const old = new Map(x.map((br) => [br.id, br.expression]));
      const now = new Map(y.map((br) => [br.id, br.expression]));
      const out: string[] = [];
      for (const br of y) {
        if (!old.has(br.id)) out.push(`new branch ${br.id}: ${shown(br.expression)}`);
        else if (old.get(br.id) !== br.expression) out.push(`branch ${br.id} ${from(old.get(br.id), br.expression)}`);
      }
      for (const br of x) if (!now.has(br.id)) out.push(`removed branch ${br.id}`);
      const kept = (list: typeof x, other: Map<string, string>) => list.filter((br) => other.has(br.id)).map((br) => br.id);
      if (kept(x, now).join() !== kept(y, old).join()) out.push(`branch order ${from(kept(x, now), kept(y, old))}`);
      return out;
    }
    case "approvals":
      return approvalLines(a.approvals[id]!, b.approvals[id]!);
    case "calls": {
      const x = a.calls![id]!;
      const y = b.calls![id]!;
      const out: string[] = [];
      if (x.mission !== y.mission) out.push(`mission ${mission(x.mission)} → ${mission(y.mission)}`);
      if (x.version !== y.version) out.push(`version ${from(x.version, y.version)}`);
      for (const [k, expr] of Object.entries(y.input)) {
        if (!(k in x.input)) out.push(`new input ${k} = ${shown(expr)}`);
        else if (x.input[k] !== expr) out.push(`input ${k} ${from(x.input[k], expr)}`);
      }
      for (const k of Object.keys(x.input)) if (!(k in y.input)) out.push(`removed input ${k}`);
      return out;
    }
  }
}

/** Lines describing a node that is new (or whose kind changed) in `after`. */
function newNodeLines(section: Section, v: GovernanceView, id: string, mission: MissionText): string[] {
  switch (section) {
    case "triggers":
      return channelLines(undefined, v.triggers[id]!);
    case "workers":
      return v.workers[id]!.tools.map((t) => `tool ${t}`);
    case "actions": {
      const a = v.actions[id]!;
      return [`calls ${shown(a.tool)}`, ...Object.entries(a.args).map(([k, e]) => `argument ${k} = ${shown(e)}`)];
    }
    case "conditions":
      return v.conditions[id]!.branches.map((br) => `branch ${br.id}: ${shown(br.expression)}`);
    case "approvals":
      return newApprovalLines(v.approvals[id]!);
    case "calls": {
      const c = v.calls![id]!;
      return [`runs mission ${mission(c.mission)} (${c.version === "latest" ? "its latest published version" : `version ${c.version}`})`, ...Object.entries(c.input).map(([k, e]) => `input ${k} = ${shown(e)}`)];
    }
  }
}

/**
 * What changed in governance from `before` (the published version; null when none is) to `after`,
 * one line per change, e.g. `Approval "Approve refund": who decides approver → builder`. Empty when
 * the governance views are equal.
 */
export function governanceChanges(before: MissionGraph | null, after: MissionGraph): string[] {
  const a = before ? governanceView(before) : null;
  const b = governanceView(after);
  const nameAfter = namer(after);
  const nameBefore = namer(before);
  const mission = missionTexts(after, before);
  const out: string[] = [];
  for (const section of Object.keys(SECTION_KIND) as Section[]) {
    const kind = SECTION_KIND[section];
    const was = (a ? a[section] : undefined) ?? {};
    const is = b[section] ?? {};
    for (const id of Object.keys(is)) {
      const name = nameAfter(kind, id);
      if (!(id in was)) {
        const lines = newNodeLines(section, b, id, mission);
        out.push(lines.length ? `New ${name}: ${lines.join("; ")}` : `New ${name}`);
        continue;
      }
      for (const line of changedNodeLines(section, a!, b, id, mission)) out.push(`${name}: ${line}`);
    }
    for (const id of Object.keys(was)) if (!(id in is)) out.push(`Removed ${nameBefore(kind, id)}`);
  }
  // Listed in the document's order, which is how the builder drew them.
  const had = new Set(a?.edges ?? []);
  const has = new Set(b.edges);
  const afterEdges = edgeKeys(after);
  if (!a) {
    const listed = afterEdges.slice(0, MAX_EDGES_LISTED).map(edgeText).join(", ");
    const more = afterEdges.length > MAX_EDGES_LISTED ? ` and ${afterEdges.length - MAX_EDGES_LISTED} more` : "";
    if (afterEdges.length) out.push(`${afterEdges.length} connection${afterEdges.length === 1 ? "" : "s"} between steps: ${listed}${more}`);
  } else {
    for (const e of afterEdges) if (!had.has(e)) out.push(`New connection ${edgeText(e)}`);
    for (const e of edgeKeys(before!)) if (!has.has(e)) out.push(`Removed connection ${edgeText(e)}`);
  }
  if (out.length <= MAX_CHANGE_LINES) return out;
  return [...out.slice(0, MAX_CHANGE_LINES - 1), `…and ${out.length - MAX_CHANGE_LINES + 1} more changes`];
}
