import type { Metadata } from "next";
import { DecisionInbox } from "@/components/decisions/decision-inbox";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Decisions" };

export default async function DecisionsPage() {
  const user = await requirePageUser("/decisions");
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <DecisionInbox canDecide={can(user, "approver") || can(user, "admin")} />
    </div>
  );
}
