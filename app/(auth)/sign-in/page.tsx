import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { connection } from "next/server";
import { SignInForm } from "@/components/shell/sign-in-form";
import { Logo } from "@/components/shell/logo";
import { demoMode } from "@/server/env";
import { DEMO_USERS } from "@/server/boot/demo-users";
import { getDatabase } from "@/server/db/client";
import { resolveCaller } from "@/server/auth/caller";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  await connection();
  const database = await getDatabase();
  const caller = await resolveCaller(database.db, await headers());
  const { next } = await searchParams;
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/missions";
  if (caller.user) redirect(target);
  const demo = demoMode();
  return (
    <main className="flex min-h-full items-center justify-center bg-gradient-to-br from-slate-50 via-white to-brand-50 px-4 py-12">
      <div className="w-full max-w-md">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo className="size-11" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">Sign in to Steward</h1>
          <p className="mt-1 text-sm text-slate-600">Governed AI automation for systems of record.</p>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <SignInForm next={target} />
        </div>
        {demo ? (
          <div className="mt-6 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm" data-testid="demo-credentials">
            <p className="font-medium text-amber-900">Demo mode — sample sign-ins</p>
            <ul className="mt-2 space-y-1.5 text-amber-900/90">
              {DEMO_USERS.map((u) => (
                <li key={u.email} className="flex flex-wrap items-baseline justify-between gap-x-3">
                  <span>
                    <code className="font-mono text-xs">{u.email}</code> / <code className="font-mono text-xs">{u.password}</code>
                  </span>
                  <span className="text-xs text-amber-800/80">{u.blurb}</span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </main>
  );
}
