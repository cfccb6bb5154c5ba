"use client";

import { useEffect, useRef, useState } from "react";
import { Pause, Play, SkipBack, SkipForward } from "lucide-react";
import { cn } from "@/components/ui/cn";
import { formatDuration, type ReplayMarker } from "./run-state";
import { STATUS_TONES } from "./status-style";

const SPEEDS = [1, 4, 16] as const;

/**
 * The time scrubber of a finished run: drag, click a marker, step between markers or play it back.
 * `value` is the moment shown (epoch ms), or null for the end (everything).
 */
export function ReplayScrubber({
  start,
  end,
  value,
  onChange,
  markers,
}: {
  start: number;
  end: number;
  value: number | null;
  onChange: (at: number | null) => void;
  markers: readonly ReplayMarker[];
}) {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(4);
  const span = Math.max(1, end - start);
  const at = value ?? end;
  const latest = useRef({ at, onChange });
  useEffect(() => {
    latest.current = { at, onChange };
  });

  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const next = latest.current.at + (now - last) * speed;
      last = now;
      if (next >= end) {
        latest.current.onChange(null);
        setPlaying(false);
        return;
      }
      latest.current.onChange(next);
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, end]);

  const times = markers.map((m) => Date.parse(m.at));
  const prev = [...times].reverse().find((t) => t < at - 0.5);
  const next = times.find((t) => t > at + 0.5);

  return (
    <div className="flex items-center gap-3 border-t border-slate-200 bg-white px-4 py-2.5" data-testid="replay-scrubber" data-at={value === null ? "end" : new Date(value).toISOString()}>
      <div className="flex items-center gap-1">
        <button
          type="button"
          className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 disabled:opacity-40"
          onClick={() => onChange(prev ?? start)}
          disabled={at <= start}
          aria-label="Previous step"
          title="Previous step"
        >
          <SkipBack className="size-4" />
        </button>
        <button
          type="button"
          className="rounded-md bg-slate-900 p-1.5 text-white hover:bg-slate-700"
          onClick={() => {
            if (!playing && at >= end) onChange(start);
            setPlaying((p) => !p);
          }}
          aria-label={playing ? "Pause replay" : "Play replay"}
          data-testid="replay-play"
        >
          {playing ? <Pause className="size-4" /> : <Play className="size-4" />}
        </button>
        <button
          type="button"
          className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 disabled:opacity-40"
          onClick={() => onChange(next === undefined || next >= end ? null : next)}
          disabled={value === null}
          aria-label="Next step"
          title="Next step"
        >
          <SkipForward className="size-4" />
        </button>
        <select
          aria-label="Replay speed"
          value={speed}
          onChange={(e) => setSpeed(Number(e.target.value) as (typeof SPEEDS)[number])}
          className="ml-1 h-7 rounded-md border border-slate-300 bg-white px-1.5 text-xs text-slate-700"
        >
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </div>

      <div className="relative flex-1 py-2">
        <div className="pointer-events-none absolute inset-x-0 top-0 h-2">
          {markers.map((m) => {
            const left = ((Date.parse(m.at) - start) / span) * 100;
            return (
              <button
                key={m.id}
                type="button"
                title={m.label}
                aria-label={`Jump to: ${m.label}`}
                data-testid="scrub-marker"
                data-id={m.id}
                data-node={m.nodeId ?? ""}
                data-tone={m.tone}
                onClick={() => {
                  setPlaying(false);
                  onChange(Date.parse(m.at));
                }}
                className={cn(
                  "pointer-events-auto absolute top-0 size-2 -translate-x-1/2 rounded-full ring-2 ring-white transition-transform hover:scale-150",
                  m.tone === "decision" ? "bg-amber-500" : (STATUS_TONES[m.tone]?.dot ?? "bg-slate-400"),
                )}
                style={{ left: `${Math.min(100, Math.max(0, left))}%` }}
              />
            );
          })}
        </div>
        <input
          type="range"
          min={0}
          max={span}
          step={1}
          value={Math.round(at - start)}
          onChange={(e) => {
            setPlaying(false);
            const t = start + Number(e.target.value);
            onChange(t >= end ? null : t);
          }}
          aria-label="Replay position"
          data-testid="replay-range"
          className="mt-2 w-full accent-brand-600"
        />
      </div>

      <div className="w-36 shrink-0 text-right text-xs tabular-nums text-slate-600">
        <span className="font-medium text-slate-900">{formatDuration(at - start)}</span> / {formatDuration(span)}
        <div className="text-[11px] text-slate-400">{value === null ? "End of run" : new Date(at).toLocaleTimeString(undefined, { hour12: false })}</div>
      </div>
    </div>
  );
}
