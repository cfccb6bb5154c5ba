"use client";

import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { AlertTriangle, ArrowRight, Copy, MousePointerClick, Trash2 } from "lucide-react";
import { getNodeKind } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";
import { extractSubgraph } from "../graph-ops";
import { KindIcon, kindTone } from "../kind-style";
import { kindView } from "../kinds";
import { useEditor, useEditorStoreApi } from "../store/editor-context";
import type { Focus } from "../store/editor-store";
import { BudgetFields } from "./budget-fields";
import { FormContext, Section, TextAreaField, TextField, type FormContextValue } from "./fields";
import { expressionSuggestions } from "./suggestions";

const DATA_PATH = /^nodes\[\d+\]\.data\.?/;
const ID_PATH = /^nodes\[\d+\]\.id$/;

/**
 * The inspector's field for a problem's path, e.g. `nodes[4].data.outputs[1].name` → the Name box
 * of the second output. Fields carry their data path (`data-field`); a path deeper than any field
 * (`outcomes[0]`) falls back to the field that holds it, and then to the field showing the
 * problem's message.
 */
export function fieldFor(root: HTMLElement, path: string, message?: string): HTMLElement | null {
  let key: string | null = ID_PATH.test(path) ? "id" : DATA_PATH.test(path) ? path.replace(DATA_PATH, "") : null;
  while (key) {
    const field = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(key)}"]`);
    if (field) return field;
    const shorter = key.replace(/(\[\d+\]|\.[^.[\]]+|^[^.[\]]+)$/, "");
    key = shorter === key ? null : shorter;
  }
  if (!message) return null;
  const shown = [...root.querySelectorAll<HTMLElement>("[role=alert]")].find((el) => el.textContent?.includes(message));
  return shown?.parentElement ?? null;
}

/** Focus requests already acted on: the inspector re-mounts when selection changes, and must not move the cursor again. */
const handled = new WeakSet<Focus>();

function findNode(graph: MissionGraph, id: string) {
  return graph.nodes.find((n) => n.id === id);
}

/** The right-hand panel: a form for the selected node, the selected connection, or the mission. */
export function Inspector() {
  const nodes = useEditor((s) => s.selectedNodes);
  const edges = useEditor((s) => s.selectedEdges);
  const only = nodes.size === 1 ? [...nodes][0] : undefined;
  if (only && edges.size === 0) return <NodeInspector key={only} nodeId={only} />;
  if (nodes.size + edges.size > 1) return <MultiInspector nodes={nodes.size} edges={edges.size} />;
  const edge = edges.size === 1 ? [...edges][0] : undefined;
  if (edge) return <EdgeInspector edgeId={edge} />;
  return <MissionInspector />;
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const store = useEditorStoreApi();
  // Selecting data (not the node) keeps the form still while the node is dragged.
  const kind = useEditor((s) => findNode(s.graph, nodeId)?.kind);
  const data = useEditor((s) => findNode(s.graph, nodeId)?.data);
  const readOnly = useEditor((s) => s.readOnly);
  const allProblems = useEditor((s) => s.problems);
  const { general, byPath } = useMemo(() => {
    const general: string[] = [];
    const byPath = new Map<string, string[]>();
    for (const p of allProblems) {
      if (p.nodeId !== nodeId) continue;
      if (DATA_PATH.test(p.path)) {
        const key = p.path.replace(DATA_PATH, "");
        byPath.set(key, [...(byPath.get(key) ?? []), p.message]);
      } else general.push(p.message);
    }
    return { general, byPath };
  }, [allProblems, nodeId]);
  const suggestions = useCallback(() => expressionSuggestions(store.getState().graph, nodeId), [store, nodeId]);
  // A problem clicked in the Problems tab: the cursor goes to the field it names.
  const root = useRef<HTMLDivElement>(null);
  const focus = useEditor((s) => s.focus);
  useEffect(() => {
    if (!focus?.path || focus.nodeId !== nodeId || handled.has(focus)) return;
    handled.add(focus);
    // After the form has rendered with the step's problems (the panel may have just switched).
    const frame = requestAnimationFrame(() => {
      const field = root.current && fieldFor(root.current, focus.path as string, focus.message);
      const control = field?.querySelector<HTMLElement>("input:not([type=checkbox]), textarea, select, input, button");
      if (!field || !control) return;
      field.scrollIntoView({ block: "center" });
      control.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  }, [focus, nodeId]);
  const context: FormContextValue = useMemo(() => ({ problems: byPath, readOnly, suggestions }), [byPath, readOnly, suggestions]);
  const update = useCallback(
    (patch: object, key: string) => {
      const node = findNode(store.getState().graph, nodeId);
      if (!node) return;
      store.getState().updateNodeData(nodeId, { ...node.data, ...patch } as typeof node.data, key);
    },
    [store, nodeId],
  );

  if (!kind || !data) return <MissionInspector />;
  const spec = getNodeKind(kind);
  const Form = kindView(kind).Form;
  const dataProblems = [...byPath.values()].reduce((n, v) => n + v.length, 0);
  return (
    <FormContext.Provider value={context}>
      <div data-testid="inspector" data-node={nodeId} ref={root}>
        <div className="flex items-start gap-3 border-b border-slate-100 px-4 py-4">
          <span className={cn("flex size-9 shrink-0 items-center justify-center rounded-lg", kindTone(kind).tile)}>
            <KindIcon kind={kind} className="size-5" />
          </span>
          <div className="min-w-0">
            <p className="text-sm font-semibold text-slate-900">{spec.label}</p>
            <p className="text-xs leading-snug text-slate-500">{spec.description}</p>
          </div>
        </div>
        {general.length || dataProblems ? (
          <div className="mx-4 mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800" role="status">
            <p className="flex items-center gap-1.5 font-medium">
              <AlertTriangle className="size-3.5" aria-hidden />
              {general.length + dataProblems} problem{general.length + dataProblems === 1 ? "" : "s"} on this step
            </p>
            {general.length ? (
              <ul className="mt-1 list-disc space-y-0.5 pl-5">
                {general.map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            ) : null}
            {dataProblems ? <p className="mt-1 text-red-700">Fields with problems are marked below.</p> : null}
          </div>
        ) : null}
        <Section title="Step">
          <TextField label="Name" value={data.label} path="label" placeholder={spec.label} testId="inspector-label" onChange={(v) => update({ label: v }, "label")} />
          <NodeIdField nodeId={nodeId} readOnly={readOnly} />
        </Section>
        <Form nodeId={nodeId} data={data} update={update} />
      </div>
    </FormContext.Provider>
  );
}

/** The node id is its name in expressions; renaming it rewrites the references, so it commits on Enter or blur. */
function NodeIdField({ nodeId, readOnly }: { nodeId: string; readOnly: boolean }) {
  const store = useEditorStoreApi();
  const id = useId();
  const [text, setText] = useState(nodeId);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (text === nodeId) return setError(null);
    const problem = store.getState().renameNode(nodeId, text.trim());
    setError(problem);
  };
  return (
    <div className="space-y-1" data-field="id">
      <Label htmlFor={id} className="text-xs">
        Id
      </Label>
      <Input
        id={id}
        value={text}
        disabled={readOnly}
        data-testid="inspector-id"
        aria-invalid={!!error}
        className="h-8 font-mono text-xs"
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
          if (e.key === "Escape") {
            setText(nodeId);
            setError(null);
          }
        }}
      />
      {error ? (
        <p className="text-xs text-red-600" role="alert">
          {error}
        </p>
      ) : (
        <p className="text-xs text-slate-500">
          Later steps read this step as <code className="font-mono">{nodeId}.…</code>; renaming updates them.
        </p>
      )}
    </div>
  );
}

function MultiInspector({ nodes, edges }: { nodes: number; edges: number }) {
  const store = useEditorStoreApi();
  const readOnly = useEditor((s) => s.readOnly);
  const parts = [nodes ? `${nodes} step${nodes === 1 ? "" : "s"}` : "", edges ? `${edges} connection${edges === 1 ? "" : "s"}` : ""].filter(Boolean);
  return (
    <Panel icon={<MousePointerClick className="size-5" />} title={`${parts.join(" and ")} selected`} text="Copy them into another mission with Ctrl+C and Ctrl+V, duplicate them with Ctrl+D, or delete them.">
      {readOnly ? null : (
        <div className="flex gap-2">
          {nodes ? (
            <Button
              variant="secondary"
              size="sm"
              onClick={() => {
                const s = store.getState();
                s.paste(extractSubgraph(s.graph, s.selectedNodes), { offset: { x: 40, y: 40 } });
              }}
            >
              <Copy /> Duplicate
            </Button>
          ) : null}
          <Button variant="secondary" size="sm" className="text-red-700" onClick={() => store.getState().deleteSelection()}>
            <Trash2 /> Delete
          </Button>
        </div>
      )}
    </Panel>
  );
}

function EdgeInspector({ edgeId }: { edgeId: string }) {
  const store = useEditorStoreApi();
  const edge = useEditor((s) => s.graph.edges.find((e) => e.id === edgeId));
  const readOnly = useEditor((s) => s.readOnly);
  const problems = useEditor((s) => s.problemsByEdge.get(edgeId));
  if (!edge) return <MissionInspector />;
  return (
    <Panel icon={<ArrowRight className="size-5" />} title="Connection" text="The run continues along this connection when its source step finishes.">
      <p className="flex flex-wrap items-center gap-1.5 text-sm">
        <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{edge.source}</code>
        {edge.sourceHandle ? <span className="text-xs text-slate-500">({edge.sourceHandle})</span> : null}
        <ArrowRight className="size-3.5 text-slate-400" />
        <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{edge.target}</code>
      </p>
      {problems?.length ? <p className="text-xs text-red-600">{problems.join("; ")}</p> : null}
      {readOnly ? null : (
        <Button variant="secondary" size="sm" className="text-red-700" onClick={() => store.getState().deleteSelection()}>
          <Trash2 /> Delete connection
        </Button>
      )}
    </Panel>
  );
}

function MissionInspector() {
  const store = useEditorStoreApi();
  const name = useEditor((s) => s.graph.name);
  const description = useEditor((s) => s.graph.description);
  const nodeCount = useEditor((s) => s.graph.nodes.length);
  const edgeCount = useEditor((s) => s.graph.edges.length);
  const budget = useEditor((s) => s.graph.budget);
  const readOnly = useEditor((s) => s.readOnly);
  const allProblems = useEditor((s) => s.problems);
  // The mission's own fields have problems at graph paths (`budget.cost`), not under a step.
  const problems = useMemo(() => {
    const byPath = new Map<string, string[]>();
    for (const p of allProblems) if (!p.nodeId && p.path.startsWith("budget.")) byPath.set(p.path, [...(byPath.get(p.path) ?? []), p.message]);
    return byPath;
  }, [allProblems]);
  const context: FormContextValue = useMemo(() => ({ problems, readOnly, suggestions: () => [] }), [problems, readOnly]);
  return (
    <FormContext.Provider value={context}>
      <div data-testid="inspector" data-node="">
        <Section title="Mission">
          <TextField label="Mission name" value={name} onChange={(v) => store.getState().setName(v)} />
          <TextAreaField
            label="Description"
            rows={3}
            value={description}
            placeholder="What this mission decides and for whom"
            onChange={(v) => {
              const s = store.getState();
              s.commit({ ...s.graph, description: v }, { coalesce: "mission:description" });
            }}
          />
          <p className="text-xs text-slate-500">
            {nodeCount} step{nodeCount === 1 ? "" : "s"} · {edgeCount} connection{edgeCount === 1 ? "" : "s"}
          </p>
        </Section>
        <Section title="Budget" description="Every run stops before its next model call once it has used this much. A run may be started with less, never more.">
          <BudgetFields
            budget={budget}
            path="budget"
            onChange={(next) => {
              const s = store.getState();
              const { budget: _old, ...rest } = s.graph;
              void _old;
              s.commit(next ? { ...rest, budget: next } : rest, { coalesce: "mission:budget" });
            }}
          />
        </Section>
        <Section title="Getting around">
          <ul className="space-y-1.5 text-xs text-slate-600">
            <li>Select a step to edit it here.</li>
            <li>Drag from a step&rsquo;s right handle to another step&rsquo;s left handle to connect them.</li>
            <li>Shift-drag on the canvas to select several steps.</li>
            <li>
              Press <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-[11px]">?</kbd> for all keyboard shortcuts.
            </li>
          </ul>
        </Section>
      </div>
    </FormContext.Provider>
  );
}

function Panel({ icon, title, text, children }: { icon: ReactNode; title: string; text: string; children?: ReactNode }) {
  return (
    <div className="space-y-3 px-4 py-5" data-testid="inspector">
      <div className="flex items-start gap-3">
        <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-600">{icon}</span>
        <div>
          <p className="text-sm font-semibold text-slate-900">{title}</p>
          <p className="text-xs text-slate-500">{text}</p>
        </div>
      </div>
      {children}
    </div>
  );
}
