import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { AutoRefresh } from "@/components/portal/auto-refresh";
import { PortalFrame } from "@/components/portal/portal-frame";
import { StatusCard } from "@/components/portal/status-card";
import { getDatabase } from "@/server/db/client";
import { getBranding, getPortalStatus } from "@/server/portal";

type Params = { params: Promise<{ slug: string; token: string }> };

export async function generateMetadata(): Promise<Metadata> {
  await connection();
  const branding = await getBranding(await getDatabase());
  // The address is the customer's key: no search engine may keep it, no other site may see it.
  return { title: { absolute: `Your request · ${branding.name}` }, robots: { index: false, follow: false }, referrer: "no-referrer" };
}

export default async function PortalStatusPage({ params }: Params) {
  await connection();
  const { slug, token } = await params;
  const database = await getDatabase();
  const [view, branding] = await Promise.all([getPortalStatus(database, slug, token), getBranding(database)]);
  if (!view) notFound();
  return (
    <PortalFrame branding={branding}>
      <StatusCard view={view} />
      <AutoRefresh active={view.live} />
    </PortalFrame>
  );
}
