import type { Metadata } from "next";
import { GovernanceSettings } from "@/components/settings/governance/governance-settings";

export const metadata: Metadata = { title: "Governance" };

export default function GovernancePage() {
  return <GovernanceSettings />;
}
