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

function frameFor(graph: MissionGraph, view: { x: number; y: number; width: number; height: number }): Frame {
  let minX = view.x;
  let minY = view.y;
  let maxX = view.x + view.width;
  let maxY = view.y + view.height;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + DEFAULT_NODE_SIZE.width);
    maxY = Math.max(maxY, n.position.y + DEFAULT_NODE_SIZE.height);
  }
  const scale = Math.min((WIDTH - 2 * PAD) / (maxX - minX || 1), (HEIGHT - 2 * PAD) / (maxY - minY || 1));
  return { minX, minY, scale, offsetX: (WIDTH - (maxX - minX) * scale) / 2, offsetY: (HEIGHT - (maxY - minY) * scale) / 2 };
}

const viewportSelector = (s: ReactFlowState) => ({ tx: s.transform[0], ty: s.transform[1], zoom: s.transform[2], width: s.width, height: s.height });

export function OverviewMap({ colors }: { colors: Record<string, string> }) {
  const store = useEditorStoreApi();
  const flow = useReactFlow();
  const canvas = useRef<HTMLCanvasElement>(null);
  const frame = useRef<Frame | null>(null);
  const view = useStore(viewportSelector, (a, b) => a.tx === b.tx && a.ty === b.ty && a.zoom === b.zoom && a.width === b.width && a.height === b.height);
  const viewRef = useRef(view);
  // The steps are drawn once into an offscreen layer; panning only redraws the view rectangle.
  const layer = useRef<{ graph: MissionGraph | null; key: string; canvas: HTMLCanvasElement | null }>({ graph: null, key: "", canvas: null });
  const draw = useRef<() => void>(() => {});
  const pending = useRef<number | null>(null);

  useEffect(() => {
    draw.current = () => {
      pending.current = null;
      const ctx = canvas.current?.getContext("2d");
      if (!ctx) return;
      const { graph } = store.getState();
      const v = viewRef.current;
      const visible = { x: -v.tx / v.zoom, y: -v.ty / v.zoom, width: v.width / v.zoom, height: v.height / v.zoom };
      const f = frameFor(graph, visible);
      frame.current = f;
      const dpr = window.devicePixelRatio || 1;
      const el = ctx.canvas;
      if (el.width !== Math.round(WIDTH * dpr)) {
        el.width = Math.round(WIDTH * dpr);
        el.height = Math.round(HEIGHT * dpr);
      }
      const key = `${f.minX}:${f.minY}:${f.scale}:${dpr}`;
      const cached = layer.current;
      if (!cached.canvas || cached.graph !== graph || cached.key !== key) {
        const off = cached.canvas ?? document.createElement("canvas");
        off.width = el.width;
        off.height = el.height;
        const octx = off.getContext("2d");
        if (!octx) return;
        octx.setTransform(dpr, 0, 0, dpr, 0, 0);
        octx.clearRect(0, 0, WIDTH, HEIGHT);
        const w = Math.max(1.5, DEFAULT_NODE_SIZE.width * f.scale);
        const h = Math.max(1.5, DEFAULT_NODE_SIZE.height * f.scale);
        for (const n of graph.nodes) {
          octx.fillStyle = colors[n.kind] ?? "#94a3b8";
          octx.fillRect(f.offsetX + (n.position.x - f.minX) * f.scale, f.offsetY + (n.position.y - f.minY) * f.scale, w, h);
        }
        layer.current = { graph, key, canvas: off };
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, el.width, el.height);
      if (layer.current.canvas) ctx.drawImage(layer.current.canvas, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "rgba(15, 23, 42, 0.06)";
      ctx.strokeStyle = "rgba(34, 89, 214, 0.8)";
      ctx.lineWidth = 1;
      const rx = f.offsetX + (visible.x - f.minX) * f.scale;
      const ry = f.offsetY + (visible.y - f.minY) * f.scale;
      ctx.fillRect(rx, ry, visible.width * f.scale, visible.height * f.scale);
      ctx.strokeRect(rx + 0.5, ry + 0.5, visible.width * f.scale - 1, visible.height * f.scale - 1);
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
      <canvas
        ref={canvas}
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
