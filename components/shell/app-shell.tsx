"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { Inbox, LogOut, PlayCircle, ScrollText, Settings, Workflow } from "lucide-react";
import { PendingBadge } from "@/components/decisions/pending-badge";
import { Logo } from "./logo";
import { visibleNav } from "./nav-items";
import { cn } from "@/components/ui/cn";
import type { SessionUser } from "@/server/auth/users";

const ICONS = { Workflow, PlayCircle, Inbox, Settings, ScrollText };

export function AppShell({ user, demo, children }: { user: SessionUser; demo: boolean; children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  async function signOut() {
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    router.replace("/sign-in");
    router.refresh();
  }
  return (
    <div className="flex min-h-full flex-col">
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="flex h-14 items-center gap-6 px-4 sm:px-6">
          <Link href="/missions" className="flex items-center gap-2 font-semibold text-slate-900">
            <Logo className="size-7" />
            <span>Steward</span>
          </Link>
          <nav className="flex items-center gap-1" aria-label="Main">
            {visibleNav(user.roles).map((item) => {
              const Icon = ICONS[item.icon];
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <Link
                  key={item.href}
                  href={item.href}
                  data-testid={`nav-${item.label.toLowerCase()}`}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium transition-colors",
                    active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                  )}
                >
                  <Icon className="size-4" />
                  {item.label}
                  {item.href === "/decisions" ? <PendingBadge /> : null}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            {demo ? <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800">Demo</span> : null}
            <Link href="/account/api-keys" className="rounded-md px-1 text-right leading-tight hover:bg-slate-100" title="Your API keys">
              <div className="text-sm font-medium text-slate-900" data-testid="current-user">{user.name}</div>
              <div className="text-xs text-slate-500" data-testid="current-roles">{user.roles.join(", ")}</div>
            </Link>
            <button onClick={signOut} className="rounded-md p-2 text-slate-500 hover:bg-slate-100 hover:text-slate-900" aria-label="Sign out" title="Sign out">
              <LogOut className="size-4" />
            </button>
          </div>
        </div>
      </header>
      <main className="flex-1">{children}</main>
    </div>
  );
}
