import type { ReactNode } from "react";
import { SettingsNav } from "@/components/settings/settings-nav";
import { requirePageUser, can } from "@/server/auth/page-user";
import { EmptyState } from "@/components/ui/card";

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser("/settings");
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <h1 className="mb-4 text-2xl font-semibold tracking-tight">Settings</h1>
      {can(user, "admin") ? (
        <>
          <SettingsNav />
          {children}
        </>
      ) : (
        <EmptyState title="Settings are for admins">Connectors, models, users and API keys are managed by admins. Ask one if you need a change.</EmptyState>
      )}
    </div>
  );
}
