"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { Copy, Plus, Trash2, Webhook } from "lucide-react";
import { ROLES, type Role } from "@/lib/mission/schema";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Select } from "@/components/ui/input";
import { useNow } from "@/components/run/use-now";
import { ago, shortId } from "./format";
import { useDecisionsTrpc } from "./trpc";

const DELIVERY_TONE = { pending: "amber", delivered: "green", failed: "red" } as const;

/** Settings → Notifications: one outgoing webhook per role for decisions waiting on it, and what was delivered. */
export function NotificationSettings() {
  const trpc = useDecisionsTrpc();
  const qc = useQueryClient();
  const now = useNow(true, 30_000);
  const hooks = useQuery({ ...trpc.decisions.webhooks.list.queryOptions(), refetchInterval: 10_000 });
  const deliveries = useQuery({ ...trpc.decisions.webhooks.deliveries.queryOptions({ limit: 25 }), refetchInterval: 10_000 });
  const [open, setOpen] = useState(false);
  const [role, setRole] = useState<Role>("approver");
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([qc.invalidateQueries({ queryKey: trpc.decisions.webhooks.list.queryKey() }), qc.invalidateQueries({ queryKey: trpc.decisions.webhooks.deliveries.queryKey() })]);

  const create = useMutation(
    trpc.decisions.webhooks.create.mutationOptions({
      onSuccess: (r) => {
        setSecret(r.secret);
        setUrl("");
        setDescription("");
        void refresh();
      },
    }),
  );
  const setEnabled = useMutation(
    trpc.decisions.webhooks.setEnabled.mutationOptions({
      onSuccess: (w) => {
        toast.success(w.enabled ? "Webhook enabled" : "Webhook paused");
        void refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const remove = useMutation(
    trpc.decisions.webhooks.remove.mutationOptions({
      onSuccess: () => {
        toast.success("Webhook removed");
        void refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const problem = (path: string) => errorProblems(create.error).find((p) => p.path === path)?.message ?? null;

  return (
    <>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
        <div className="max-w-2xl text-sm text-slate-600">
          <p>
            Approvers see waiting decisions in the <Link href="/decisions" className="font-medium text-brand-700 hover:underline">Decision Queue</Link> and the badge beside it. A webhook also tells another tool — a chat channel, a ticket queue — each time a decision starts waiting for a role, including after an escalation.
          </p>
          <p className="mt-1 text-xs text-slate-500">
            Each POST is signed the Standard Webhooks way (<code className="font-mono">webhook-id</code>, <code className="font-mono">webhook-timestamp</code>, <code className="font-mono">webhook-signature</code>); failed deliveries are retried with exponential backoff, up to 5 attempts.
          </p>
        </div>
        <Button
          onClick={() => {
            setSecret(null);
            create.reset();
            setOpen(true);
          }}
          data-testid="new-webhook"
        >
          <Plus /> New webhook
        </Button>
      </div>

      {hooks.data && hooks.data.length === 0 ? (
        <EmptyState icon={<Webhook />} title="No webhooks yet">
          Add one per role that should hear about decisions outside Steward.
        </EmptyState>
      ) : (
        <Card className="overflow-hidden">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2 font-semibold">Role</th>
                <th className="px-4 py-2 font-semibold">URL</th>
                <th className="px-4 py-2 font-semibold">Secret</th>
                <th className="px-4 py-2 font-semibold">Deliveries</th>
                <th className="px-4 py-2 font-semibold">Last</th>
                <th className="px-4 py-2" />
              </tr>
            </thead>
            <tbody>
              {(hooks.data ?? []).map((w) => (
                <tr key={w.id} className="border-t border-slate-100 align-top" data-testid="webhook-row">
                  <td className="px-4 py-3">
                    <Badge tone="violet">{w.role}</Badge>
                  </td>
                  <td className="max-w-[320px] px-4 py-3">
                    <div className="truncate font-mono text-xs text-slate-800" title={w.url}>
                      {w.url}
                    </div>
                    {w.description ? <div className="mt-0.5 text-xs text-slate-500">{w.description}</div> : null}
                  </td>
                  <td className="px-4 py-3 font-mono text-xs text-slate-500">{w.secretPrefix}…</td>
                  <td className="px-4 py-3 text-xs">
                    <span className="text-emerald-700">{w.deliveries.delivered} delivered</span>
                    {w.deliveries.pending ? <span className="text-amber-700"> · {w.deliveries.pending} retrying</span> : null}
                    {w.deliveries.failed ? <span className="text-red-700"> · {w.deliveries.failed} failed</span> : null}
                  </td>
                  <td className="px-4 py-3 text-xs text-slate-600">
                    {w.lastDelivery ? (
                      <>
                        <Badge tone={DELIVERY_TONE[w.lastDelivery.status]}>{w.lastDelivery.status}</Badge>
                        <div className="mt-0.5">
                          {ago(w.lastDelivery.at, now)}
                          {w.lastDelivery.lastError ? ` · ${w.lastDelivery.lastError}` : ""}
                        </div>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <div className="flex items-center justify-end gap-2">
                      <label className="flex items-center gap-1.5 text-xs text-slate-700">
                        <input type="checkbox" checked={w.enabled} onChange={(e) => setEnabled.mutate({ id: w.id, enabled: e.target.checked })} className="size-4 accent-brand-600" />
                        On
                      </label>
                      <Button variant="ghost" size="icon" aria-label="Remove webhook" onClick={() => remove.mutate({ id: w.id })}>
                        <Trash2 className="text-red-600" />
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}

      {deliveries.data && deliveries.data.length ? (
        <div className="mt-8">
          <h2 className="mb-2 text-sm font-semibold text-slate-900">Recent deliveries</h2>
          <Card className="overflow-hidden">
            <table className="w-full text-xs">
              <thead className="bg-slate-50 text-left uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="px-4 py-2 font-semibold">When</th>
                  <th className="px-4 py-2 font-semibold">Event</th>
                  <th className="px-4 py-2 font-semibold">Decision</th>
                  <th className="px-4 py-2 font-semibold">Status</th>
                  <th className="px-4 py-2 font-semibold">Attempts</th>
                  <th className="px-4 py-2 font-semibold">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.map((d) => (
                  <tr key={d.id} className="border-t border-slate-100" data-testid="delivery-row">
                    <td className="px-4 py-2 text-slate-600">{ago(d.createdAt, now)}</td>
                    <td className="px-4 py-2 font-mono">{d.type}</td>
                    <td className="px-4 py-2">
                      {d.decisionId ? (
                        <Link href={`/decisions/${d.decisionId}`} className="font-mono text-brand-700 hover:underline">
                          {shortId(d.decisionId.replace(/^dec_/, ""))}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="px-4 py-2">
                      <Badge tone={DELIVERY_TONE[d.status]}>{d.status}</Badge>
                    </td>
                    <td className="px-4 py-2 tabular-nums">{d.attempts}</td>
                    <td className="px-4 py-2 text-slate-600">{d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : "—")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </div>
      ) : null}

      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={secret ? "Webhook created" : "New webhook"}
        description={secret ? "Copy the signing secret now: it is not shown again." : "Decisions waiting for this role are POSTed to the URL as JSON."}
        footer={
          secret ? (
            <Button onClick={() => setOpen(false)}>Done</Button>
          ) : (
            <>
              <Button variant="secondary" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button onClick={() => create.mutate({ role, url, description })} disabled={create.isPending} data-testid="create-webhook">
                Create webhook
              </Button>
            </>
          )
        }
      >
        {secret ? (
          <div className="space-y-3">
            <div className="flex items-center gap-2 rounded-md bg-slate-900 px-3 py-2 font-mono text-sm text-emerald-300" data-testid="webhook-secret">
              <span className="flex-1 break-all">{secret}</span>
              <button
                type="button"
                className="rounded p-1 text-slate-300 hover:bg-slate-800"
                aria-label="Copy secret"
                onClick={() => {
                  void navigator.clipboard?.writeText(secret);
                  toast.success("Copied");
                }}
              >
                <Copy className="size-4" />
              </button>
            </div>
            <p className="text-xs text-slate-600">
              To verify a delivery, pass this secret, the raw request body and its headers to a Standard Webhooks library, e.g.
              <code className="font-mono"> new Webhook(secret).verify(body, headers)</code> from the <code className="font-mono">standardwebhooks</code> npm package.
            </p>
          </div>
        ) : (
          <div className="space-y-4">
            <div className="space-y-1.5">
              <Label htmlFor="webhook-role">Role</Label>
              <Select id="webhook-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
              <FieldError>{problem("role")}</FieldError>
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="webhook-url">URL</Label>
              <Input id="webhook-url" placeholder="https://hooks.example.com/steward" value={url} onChange={(e) => setUrl(e.target.value)} aria-invalid={problem("url") ? true : undefined} />
              <FieldError>{problem("url")}</FieldError>
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="webhook-description">Description (optional)</Label>
              <Input id="webhook-description" placeholder="#refund-approvals in chat" value={description} onChange={(e) => setDescription(e.target.value)} />
              <FieldError>{problem("description")}</FieldError>
            </div>
          </div>
        )}
      </Dialog>
    </>
  );
}
