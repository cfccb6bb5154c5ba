"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { FieldError, Input, Label } from "@/components/ui/input";
import { PASSWORD_HINT } from "@/lib/password-rules";

export function FirstAdminForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const create = useMutation(trpc.setup.createFirstAdmin.mutationOptions({ onSuccess: () => router.replace("/sign-in") }));
  const problems = errorProblems(create.error);
  const err = (f: string) => problems.find((p) => p.path === f)?.message ?? null;
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ token, ...form });
      }}
    >
      {(["name", "email", "password"] as const).map((f) => (
        <div key={f} className="space-y-1.5">
          <Label htmlFor={`admin-${f}`}>{f[0]!.toUpperCase() + f.slice(1)}</Label>
          <Input id={`admin-${f}`} type={f === "password" ? "password" : f === "email" ? "email" : "text"} value={form[f]} onChange={(e) => setForm({ ...form, [f]: e.target.value })} aria-invalid={!!err(f)} />
          <FieldError>{err(f)}</FieldError>
          {f === "password" && !err(f) ? <p className="text-xs text-slate-500">{PASSWORD_HINT}</p> : null}
        </div>
      ))}
      {create.error && !problems.some((p) => p.path !== "token") ? <FieldError>{create.error.message}</FieldError> : null}
      <Button type="submit" className="w-full" disabled={create.isPending}>
        Create admin and continue to sign-in
      </Button>
    </form>
  );
}
