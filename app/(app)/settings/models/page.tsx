import type { Metadata } from "next";
import { ModelsSettings } from "@/components/settings/models/models-settings";

export const metadata: Metadata = { title: "Models" };

export default function ModelsPage() {
  return <ModelsSettings />;
}
