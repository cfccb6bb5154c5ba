import type { Metadata } from "next";
import { Logo } from "@/components/shell/logo";
import { FirstAdminForm } from "@/components/shell/first-admin-form";

export const metadata: Metadata = { title: "Set up Steward" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  return (
    <main className="flex min-h-full items-center justify-center bg-gradient-to-br from-slate-50 via-white to-brand-50 px-4 py-12">
      <div className="w-full max-w-md">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo className="size-11" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">Create the first admin</h1>
          <p className="mt-1 text-sm text-slate-600">This one-time link was printed in the server console.</p>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          {token ? <FirstAdminForm token={token} /> : <p className="text-sm text-red-700">This page needs the link from the server console (it carries a token).</p>}
        </div>
      </div>
    </main>
  );
}
