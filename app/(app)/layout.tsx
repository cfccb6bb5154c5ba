import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { requirePageUser } from "@/server/auth/page-user";
import { demoMode } from "@/server/env";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <AppShell user={user} demo={demoMode()}>
      {children}
    </AppShell>
  );
}
