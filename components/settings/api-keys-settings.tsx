"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, KeyRound, Plus } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label } from "@/components/ui/input";

/**
 * API keys: `scope="mine"` the signed-in user's own (any role), `scope="all"` every user's (admins,
 * in settings). A key always acts as the user who created it, so "New key" makes one of your own.
 */
export function ApiKeysSettings({ scope }: { scope: "mine" | "all" }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions({ scope }));
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (r) => {
        setCreated(r.key);
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => {
        toast.success("Key revoked");
        void refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const nameError = errorProblems(create.error).find((p) => p.path === "name")?.message ?? null;

  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <p className="text-sm text-slate-600">
          Keys for the REST API (<code className="font-mono text-xs">/api/v1</code>). A key acts as the person who created it, with their roles, and the audit
          log names the key. {scope === "all" ? "Every user's keys are listed here; each person creates their own." : "Only you can create keys that act as you."}
        </p>
        <Button
          onClick={() => {
            setCreated(null);
            setOpen(true);
          }}
          data-testid="new-api-key"
        >
          <Plus /> New key
        </Button>
      </div>
      {keys.data && keys.data.length === 0 ? (
        <EmptyState icon={<KeyRound />} title="No API keys">
          Create a key to start missions, read runs or make decisions from other tools.
        </EmptyState>
      ) : (
        <Card className="divide-y divide-slate-100">
          {(keys.data ?? []).map((k) => (
            <div key={k.id} className="flex items-center gap-4 px-5 py-3" data-testid="api-key-row">
              <KeyRound className="size-4 text-slate-400" />
              <div className="min-w-0 flex-1">
                <div className="font-medium text-slate-900">{k.name}</div>
                <div className="text-xs text-slate-500">
                  <code className="font-mono">{k.prefix}…</code>
                  {scope === "all" || k.createdBy ? ` · acts as ${k.userEmail}` : ""} · created {new Date(k.createdAt).toLocaleString()}
                  {k.lastUsedAt ? ` · last used ${new Date(k.lastUsedAt).toLocaleString()}` : " · never used"}
                </div>
                {k.createdBy && !k.revokedAt ? (
                  <div className="mt-1 text-xs text-amber-800" data-testid="api-key-made-for">
                    Made by {k.createdBy.email} for {k.userEmail}, before keys became their creator&apos;s own: whoever holds it acts as {k.userEmail}. Revoke it
                    unless {k.userEmail} asked for it.
                  </div>
                ) : null}
              </div>
              {k.createdBy ? <Badge tone="amber">Made by {k.createdBy.email}</Badge> : null}
              {k.revokedAt ? (
                <Badge tone="red">Revoked</Badge>
              ) : (
                <Button variant="secondary" size="sm" onClick={() => revoke.mutate({ id: k.id })}>
                  Revoke
                </Button>
              )}
            </div>
          ))}
        </Card>
      )}
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={created ? "Copy your new key" : "New API key"}
        description={
          created
            ? "This is the only time the key is shown. Store it in your secret manager."
            : "Name it for the integration that will use it. The key acts as you, with your roles."
        }
        footer={
          created ? (
            <Button onClick={() => setOpen(false)}>Done</Button>
          ) : (
            <>
              <Button variant="secondary" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button disabled={create.isPending} onClick={() => create.mutate({ name })}>
                Create key
              </Button>
            </>
          )
        }
      >
        {created ? (
          <div className="flex items-center gap-2">
            <code className="flex-1 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm" data-testid="created-api-key">
              {created}
            </code>
            <Button variant="secondary" size="icon" aria-label="Copy key" onClick={() => navigator.clipboard.writeText(created).then(() => toast.success("Copied"))}>
              <Copy />
            </Button>
          </div>
        ) : (
          <div className="space-y-3">
            <div className="space-y-1.5">
              <Label htmlFor="key-name">Name</Label>
              <Input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Support portal" aria-invalid={!!nameError} />
              <FieldError>{nameError}</FieldError>
            </div>
            {create.error && !nameError ? <FieldError>{create.error.message}</FieldError> : null}
          </div>
        )}
      </Dialog>
    </>
  );
}
