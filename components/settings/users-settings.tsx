"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { toast } from "sonner";
import { ROLES, type Role } from "@/lib/mission/schema";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label } from "@/components/ui/input";
import { PASSWORD_HINT } from "@/lib/password-rules";

function RoleToggles({ value, onChange, idPrefix }: { value: Role[]; onChange: (roles: Role[]) => void; idPrefix: string }) {
  return (
    <div className="flex flex-wrap gap-3">
      {ROLES.map((r) => (
        <label key={r} className="flex items-center gap-1.5 text-sm text-slate-700">
          <input
            type="checkbox"
            id={`${idPrefix}-${r}`}
            checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))}
          />
          {r}
        </label>
      ))}
    </div>
  );
}

export function UsersSettings() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const me = useQuery(trpc.users.me.queryOptions());
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", name: "", password: "", roles: ["viewer"] as Role[] });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (u) => {
        toast.success(`Created ${u.email}`);
        setOpen(false);
        setForm({ email: "", name: "", password: "", roles: ["viewer"] });
        void refresh();
      },
    }),
  );
  const setRoles = useMutation(trpc.users.setRoles.mutationOptions({ onSuccess: () => void refresh(), onError: (e) => toast.error(e.message) }));
  const problems = errorProblems(create.error);
  const err = (f: string) => problems.find((p) => p.path === f)?.message ?? null;

  return (
    <>
      <div className="mb-4 flex items-center justify-between">
        <p className="text-sm text-slate-600">People who can sign in, and what their roles let them do.</p>
        <Button onClick={() => setOpen(true)}>
          <UserPlus /> Add user
        </Button>
      </div>
      <Card className="divide-y divide-slate-100">
        {(users.data ?? []).map((u) => (
          <div key={u.id} className="flex flex-wrap items-center gap-4 px-5 py-3" data-testid="user-row">
            <div className="min-w-56 flex-1">
              <div className="font-medium text-slate-900">{u.name}</div>
              <div className="text-sm text-slate-500">{u.email}</div>
            </div>
            <RoleToggles
              idPrefix={u.id}
              value={u.roles}
              onChange={(roles) => {
                if (u.id === me.data?.id && !roles.includes("admin")) {
                  toast.error("You cannot remove your own admin role.");
                  return;
                }
                setRoles.mutate({ userId: u.id, roles });
              }}
            />
          </div>
        ))}
        {users.isLoading ? <div className="px-5 py-6 text-sm text-slate-500">Loading…</div> : null}
      </Card>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title="Add a user"
        description="They sign in with this email and password; share the password with them safely."
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button disabled={create.isPending} onClick={() => create.mutate(form)}>
              Create user
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          {(["name", "email", "password"] as const).map((f) => (
            <div key={f} className="space-y-1.5">
              <Label htmlFor={`user-${f}`}>{f[0]!.toUpperCase() + f.slice(1)}</Label>
              <Input id={`user-${f}`} type={f === "password" ? "password" : f === "email" ? "email" : "text"} value={form[f]} onChange={(e) => setForm({ ...form, [f]: e.target.value })} aria-invalid={!!err(f)} />
              <FieldError>{err(f)}</FieldError>
              {f === "password" && !err(f) ? <p className="text-xs text-slate-500">{PASSWORD_HINT}</p> : null}
            </div>
          ))}
          <div className="space-y-1.5">
            <span className="text-sm font-medium text-slate-700">Roles</span>
            <RoleToggles idPrefix="new" value={form.roles} onChange={(roles) => setForm({ ...form, roles })} />
            <FieldError>{err("roles")}</FieldError>
          </div>
          {create.error && !problems.length ? <FieldError>{create.error.message}</FieldError> : null}
        </div>
      </Dialog>
    </>
  );
}
