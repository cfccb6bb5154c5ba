"use client";

import { useContext, useEffect, useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { formatFiring, nextFirings, schedulePreview, UPCOMING_FIRINGS } from "@/lib/mission/trigger-channels";
import type { InputField, TriggerData } from "@/lib/mission/schema";
import { useEditor } from "../store/editor-context";
import { CheckboxField, ExpressionField, FormContext, TextField } from "./fields";

type Update = (patch: Partial<TriggerData>, key: string) => void;
type Schedule = NonNullable<TriggerData["schedule"]>;

/** The browser's zone: what a builder most likely means by "08:00". */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A minute's clock, so the preview's "next" moves on while the inspector is open. */
function useMinute(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function useTriggerStatus() {
  const trpc = useTRPC();
  const missionId = useEditor((s) => s.missionId);
  const status = useQuery({ ...trpc.triggers.status.queryOptions({ missionId }), refetchInterval: 30_000 });
  return { missionId, status, key: trpc.triggers.status.queryKey({ missionId }) };
}

/** The value typed for a field, as the field's type stores it. */
function typedValue(f: InputField, text: string): string | number | boolean {
  if (f.type === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

export function ScheduleSection({ data, update }: { data: TriggerData; update: Update }) {
  const schedule: Schedule = data.schedule ?? { cron: "", timezone: "UTC", input: {} };
  const now = useMinute();
  const set = (patch: Partial<Schedule>, key: string) => update({ schedule: { ...schedule, ...patch } }, `schedule.${key}`);
  const upcoming = nextFirings(schedule.cron, schedule.timezone, now, UPCOMING_FIRINGS);
  const setInput = (f: InputField, value: string | number | boolean | undefined) => {
    const input = { ...schedule.input };
    if (value === undefined || value === "") delete input[f.name];
    else input[f.name] = value;
    set({ input }, `input.${f.name}`);
  };
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 p-3" data-testid="schedule-settings">
      <div className="grid grid-cols-[1fr_9rem] gap-2">
        <TextField label="When (cron)" mono value={schedule.cron} path="schedule.cron" placeholder="0 8 * * 1-5" testId="schedule-cron" onChange={(v) => set({ cron: v }, "cron")} />
        <TextField label="Time zone" mono value={schedule.timezone} path="schedule.timezone" placeholder="Europe/Paris" testId="schedule-timezone" onChange={(v) => set({ timezone: v }, "timezone")} />
      </div>
      <p className="text-xs text-slate-500">
        Minute, hour, day of month, month, weekday: <code className="font-mono">*/15 * * * *</code> every 15 minutes, <code className="font-mono">0 8 * * 1-5</code> weekdays at 08:00.
      </p>
      <p className="rounded bg-sky-50 px-2 py-1.5 text-xs text-sky-900" data-testid="schedule-preview">
        {schedulePreview(schedule.cron, schedule.timezone, now)}
      </p>
      {upcoming.length ? (
        <div>
          <p className="text-xs font-medium text-slate-600">Next {upcoming.length} firings</p>
          <ol className="mt-0.5 list-inside list-decimal text-xs text-slate-700" data-testid="schedule-next">
            {upcoming.map((d) => (
              <li key={d.toISOString()}>
                <time dateTime={d.toISOString()}>{formatFiring(d, schedule.timezone)}</time>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {data.fields.length ? (
        <div className="space-y-2">
          <p className="text-xs font-medium text-slate-600">The input of each scheduled run</p>
          {data.fields.map((f) =>
            f.type === "boolean" ? (
              <CheckboxField key={f.name} label={f.label || f.name} checked={schedule.input[f.name] === true} onChange={(on) => setInput(f, on)} />
            ) : (
              <TextField
                key={f.name}
                label={f.label || f.name}
                value={String(schedule.input[f.name] ?? "")}
                path={`schedule.input.${f.name}`}
                onChange={(v) => setInput(f, typedValue(f, v))}
              />
            ),
          )}
        </div>
      ) : null}
      <PublishedSchedule />
    </div>
  );
}

/** What runs now: the published version's schedule, paused or not, and its last firing. */
function PublishedSchedule() {
  const { readOnly } = useContext(FormContext);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { missionId, status, key } = useTriggerStatus();
  const pause = useMutation(
    trpc.triggers.setPaused.mutationOptions({
      onSuccess: (r) => {
        toast.success(r.paused ? "Schedule paused" : "Schedule resumed");
        void queryClient.invalidateQueries({ queryKey: key });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const s = status.data?.schedule;
  if (!s) {
    return <p className="text-xs text-slate-500" data-testid="schedule-published">Not running yet: the schedule fires once a version with it is published.</p>;
  }
  return (
    <div className="space-y-1 border-t border-slate-100 pt-2 text-xs text-slate-700" data-testid="schedule-published">
      <p>
        <span className="font-medium">Published:</span> {s.description}{" "}
        {s.archived ? <span className="text-amber-700">· mission archived, not firing</span> : s.paused ? <span className="font-medium text-amber-700" data-testid="schedule-paused">· paused</span> : <span className="text-emerald-700">· running</span>}
      </p>
      {s.next.length ? <p data-testid="schedule-published-next">Next: {s.next.map((d) => formatFiring(new Date(d), s.timezone)).join(", ")}</p> : null}
      {s.lastFiring ? (
        <p>
          Last firing {formatFiring(new Date(s.lastFiring.fireAt), s.timezone)}:{" "}
          {s.lastFiring.error ? (
            <span className="text-red-700">{s.lastFiring.error}</span>
          ) : (
            <Link href={`/runs/${s.lastFiring.runId}`} className="font-mono text-brand-700 hover:underline" data-testid="schedule-last-run">
              run {s.lastFiring.runId.slice(0, 8)}
            </Link>
          )}
        </p>
      ) : null}
      {readOnly ? null : (
        <Button size="sm" variant="secondary" disabled={pause.isPending} data-testid="schedule-pause" onClick={() => pause.mutate({ missionId, paused: !s.paused })}>
          {s.paused ? "Resume schedule" : "Pause schedule"}
        </Button>
      )}
    </div>
  );
}

export function WebhookSection({ data, update }: { data: TriggerData; update: Update }) {
  const { readOnly } = useContext(FormContext);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { missionId, status, key } = useTriggerStatus();
  // The secret lives only in this component's state: shown once, gone on reload.
  const [secret, setSecret] = useState<string | null>(null);
  const done = (r: { secret: string }) => {
    setSecret(r.secret);
    void queryClient.invalidateQueries({ queryKey: key });
  };
  const create = useMutation(trpc.triggers.createHook.mutationOptions({ onSuccess: done, onError: (e) => toast.error(e.message) }));
  const rotate = useMutation(trpc.triggers.rotateHook.mutationOptions({ onSuccess: done, onError: (e) => toast.error(e.message) }));
  const revoke = useMutation(
    trpc.triggers.revokeHook.mutationOptions({
      onSuccess: () => {
        setSecret(null);
        toast.success("Webhook revoked: its URL answers 404 from now on");
        void queryClient.invalidateQueries({ queryKey: key });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const hook = status.data?.hook;
  const url = hook && typeof window !== "undefined" ? `${window.location.origin}${hook.path}` : (hook?.path ?? "");
  const mapping = data.webhook?.mapping ?? {};
  const setMapping = (name: string, expression: string) => {
    const next = { ...mapping };
    if (expression.trim()) next[name] = expression;
    else delete next[name];
    update({ webhook: { mapping: next } }, `webhook.mapping.${name}`);
  };
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 p-3" data-testid="webhook-settings">
      {hook ? (
        <div className="space-y-1 text-xs text-slate-700">
          <p className="font-medium">POST to</p>
          <code className="block break-all rounded bg-slate-50 px-2 py-1 font-mono" data-testid="hook-url">
            {url}
          </code>
          <p data-testid="hook-counts">
            {hook.accepted} run{hook.accepted === 1 ? "" : "s"} started · {hook.refused} request{hook.refused === 1 ? "" : "s"} refused
            {hook.lastRefusal ? ` (last: ${hook.lastRefusal})` : ""}
          </p>
        </div>
      ) : (
        <p className="text-xs text-slate-500">No webhook URL yet. Create one, then sign requests with its secret as Standard Webhooks describe.</p>
      )}
      {secret ? (
        <div className="space-y-1 rounded border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900" data-testid="hook-secret-box">
          <p className="font-medium">Signing secret: copy it now, it is not shown again.</p>
          <code className="block break-all font-mono" data-testid="hook-secret">
            {secret}
          </code>
          <Button size="sm" variant="secondary" onClick={() => void navigator.clipboard?.writeText(secret).then(() => toast.success("Copied"))}>
            Copy
          </Button>
        </div>
      ) : null}
      {readOnly ? null : (
        <div className="flex flex-wrap gap-2">
          {hook ? (
            <>
              <Button size="sm" variant="secondary" disabled={rotate.isPending} data-testid="hook-rotate" onClick={() => rotate.mutate({ missionId, hookId: hook.id })}>
                Rotate secret
              </Button>
              <Button size="sm" variant="secondary" disabled={revoke.isPending} data-testid="hook-revoke" onClick={() => revoke.mutate({ missionId, hookId: hook.id })}>
                Revoke
              </Button>
            </>
          ) : (
            <Button size="sm" disabled={create.isPending} data-testid="hook-create" onClick={() => create.mutate({ missionId })}>
              Create webhook URL
            </Button>
          )}
        </div>
      )}
      {data.fields.length ? (
        <div className="space-y-2">
          <p className="text-xs font-medium text-slate-600">Each input from the request&apos;s JSON body</p>
          {data.fields.map((f) => (
            <ExpressionField
              key={f.name}
              label={f.label || f.name}
              value={mapping[f.name] ?? ""}
              path={`webhook.mapping.${f.name}`}
              placeholder={`body.${f.name}`}
              hint={<>An expression over <code className="font-mono">body</code>; empty reads <code className="font-mono">body.{f.name}</code>.</>}
              onChange={(v) => setMapping(f.name, v)}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}
