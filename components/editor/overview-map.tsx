"use client";

import { useEffect, useRef, type PointerEvent } from "react";
import { useReactFlow, useStore, type ReactFlowState } from "@xyflow/react";
import type { MissionGraph } from "@/lib/mission/schema";
import { DEFAULT_NODE_SIZE } from "./auto-layout";
import { useEditorStoreApi } from "./store/editor-context";

/**
 * The minimap for big missions, drawn on a <canvas>. React Flow's MiniMap keeps one subscribed
 * component per step, which with a thousand steps costs more per frame than the canvas itself;
 * this draws every step as a rectangle in one pass. Click or drag on it to move the view.
 */

const WIDTH = 168;
const HEIGHT = 112;
const PAD = 6;

interface Frame {
  minX: number;
  minY: number;
  scale: number;
  offsetX: number;
  offsetY: number;
}

interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

function graphBounds(graph: MissionGraph): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + DEFAULT_NODE_SIZE.width);
    maxY = Math.max(maxY, n.position.y + DEFAULT_NODE_SIZE.height);
  }
  return { minX, minY, maxX, maxY };
}

function frameFor(b: Bounds, view: { x: number; y: number; width: number; height: number }): Frame {
  const minX = Math.min(b.minX, view.x);
  const minY = Math.min(b.minY, view.y);
  const maxX = Math.max(b.maxX, view.x + view.width);
  const maxY = Math.max(b.maxY, view.y + view.height);
  const scale = Math.min((WIDTH - 2 * PAD) / (maxX - minX || 1), (HEIGHT - 2 * PAD) / (maxY - minY || 1));
  return { minX, minY, scale, offsetX: (WIDTH - (maxX - minX) * scale) / 2, offsetY: (HEIGHT - (maxY - minY) * scale) / 2 };
}

const viewportSelector = (s: ReactFlowState) => ({ tx: s.transform[0], ty: s.transform[1], zoom: s.transform[2], width: s.width, height: s.height });

export function OverviewMap({ colors }: { colors: Record<string, string> }) {
  const store = useEditorStoreApi();
  const flow = useReactFlow();
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const frame = useRef<Frame | null>(null);
  const view = useStore(viewportSelector, (a, b) => a.tx === b.tx && a.ty === b.ty && a.zoom === b.zoom && a.width === b.width && a.height === b.height);
  const viewRef = useRef(view);
  // Two layers: the steps, redrawn only when the graph or the map's frame changes, and the view
  // rectangle above them, the only thing a pan redraws.
  const drawn = useRef<{ graph: MissionGraph | null; bounds: Bounds | null; key: string }>({ graph: null, bounds: null, key: "" });
  const draw = useRef<() => void>(() => {});
  const pending = useRef<number | null>(null);

  useEffect(() => {
    draw.current = () => {
      pending.current = null;
      const steps = canvas.current?.getContext("2d");
      const top = overlay.current?.getContext("2d");
      if (!steps || !top) return;
      const { graph } = store.getState();
      const cache = drawn.current;
      if (cache.graph !== graph || !cache.bounds) {
        cache.bounds = graphBounds(graph);
        cache.key = "";
      }
      const v = viewRef.current;
      const visible = { x: -v.tx / v.zoom, y: -v.ty / v.zoom, width: v.width / v.zoom, height: v.height / v.zoom };
      const f = frameFor(cache.bounds, visible);
      frame.current = f;
      const dpr = window.devicePixelRatio || 1;
      for (const el of [steps.canvas, top.canvas]) {
        if (el.width !== Math.round(WIDTH * dpr)) {
          el.width = Math.round(WIDTH * dpr);
          el.height = Math.round(HEIGHT * dpr);
          cache.key = "";
        }
      }
      const key = `${f.minX}:${f.minY}:${f.scale}:${dpr}`;
      if (cache.graph !== graph || cache.key !== key) {
        steps.setTransform(dpr, 0, 0, dpr, 0, 0);
        steps.clearRect(0, 0, WIDTH, HEIGHT);
        const w = Math.max(1.5, DEFAULT_NODE_SIZE.width * f.scale);
        const h = Math.max(1.5, DEFAULT_NODE_SIZE.height * f.scale);
        for (const n of graph.nodes) {
          steps.fillStyle = colors[n.kind] ?? "#94a3b8";
          steps.fillRect(f.offsetX + (n.position.x - f.minX) * f.scale, f.offsetY + (n.position.y - f.minY) * f.scale, w, h);
        }
        cache.graph = graph;
        cache.key = key;
      }
      top.setTransform(dpr, 0, 0, dpr, 0, 0);
      top.clearRect(0, 0, WIDTH, HEIGHT);
      top.fillStyle = "rgba(15, 23, 42, 0.06)";
      top.strokeStyle = "rgba(34, 89, 214, 0.8)";
      top.lineWidth = 1;
      const rx = f.offsetX + (visible.x - f.minX) * f.scale;
      const ry = f.offsetY + (visible.y - f.minY) * f.scale;
      top.fillRect(rx, ry, visible.width * f.scale, visible.height * f.scale);
      top.strokeRect(rx + 0.5, ry + 0.5, visible.width * f.scale - 1, visible.height * f.scale - 1);
    };
    const schedule = () => {
      pending.current ??= requestAnimationFrame(() => draw.current());
    };
    schedule();
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.graph !== prev.graph) schedule();
    });
    return () => {
      unsubscribe();
      if (pending.current !== null) cancelAnimationFrame(pending.current);
      pending.current = null;
    };
  }, [store, colors]);

  useEffect(() => {
    viewRef.current = view;
    pending.current ??= requestAnimationFrame(() => draw.current());
  }, [view]);

  function moveTo(e: PointerEvent<HTMLCanvasElement>) {
    const f = frame.current;
    if (!f) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const x = f.minX + (e.clientX - rect.left - f.offsetX) / f.scale;
    const y = f.minY + (e.clientY - rect.top - f.offsetY) / f.scale;
    void flow.setCenter(x, y, { zoom: flow.getZoom() });
  }

  return (
    <div className="react-flow__panel bottom right !m-[15px] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="overview-map">
      <canvas ref={canvas} style={{ width: WIDTH, height: HEIGHT, display: "block" }} aria-hidden />
      <canvas
        ref={overlay}
        className="absolute inset-0"
        style={{ width: WIDTH, height: HEIGHT, cursor: "pointer", touchAction: "none" }}
        aria-label="Overview of the whole mission: click to move the view"
        role="img"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          moveTo(e);
        }}
        onPointerMove={(e) => {
          if (e.buttons === 1) moveTo(e);
        }}
      />
    </div>
  );
}
