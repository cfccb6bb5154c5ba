import type { Metadata } from "next";
import { ScrollText } from "lucide-react";
import { AuditLog } from "@/components/audit/audit-log";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  const user = await requirePageUser("/audit");
  return (
    <div className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      {can(user, "admin") ? (
        <AuditLog />
      ) : (
        <>
          <PageHeader title="Audit log" />
          <EmptyState icon={<ScrollText />} title="The audit log is for admins">
            It records every security- and governance-relevant act in Steward. Ask an admin if you need an entry or an export.
          </EmptyState>
        </>
      )}
    </div>
  );
}
