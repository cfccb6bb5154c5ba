import type { Metadata } from "next";
import { ConnectorDetail } from "@/components/settings/connectors/connector-detail";

export const metadata: Metadata = { title: "Connector" };

/** `?test=1` (set after "Add connector") tests the new connection as soon as the page opens. */
export default async function ConnectorPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const { test } = await searchParams;
  return <ConnectorDetail id={id} autoTest={test === "1"} />;
}
