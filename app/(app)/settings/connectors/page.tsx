import type { Metadata } from "next";
import { ConnectorsSettings } from "@/components/settings/connectors/connectors-settings";

export const metadata: Metadata = { title: "Connectors" };

export default function ConnectorsPage() {
  return <ConnectorsSettings />;
}
