import type { NextRequest } from "next/server";
import { serveEndpoint } from "@/server/engine/inngest/endpoint";

// Inngest's serve() endpoint. In embedded mode only the in-process executor calls it (signed
// with the local key, so outside calls are rejected); with an Inngest server, that server does.
// The composition root (server/boot/engine-root.ts) registers it at boot and builds it on first
// request, never at build time; it never opens the database itself.
export const dynamic = "force-dynamic";

export function GET(req: NextRequest, ctx: unknown): Promise<Response> {
  return serveEndpoint().GET(req, ctx);
}

export function POST(req: NextRequest, ctx: unknown): Promise<Response> {
  return serveEndpoint().POST(req, ctx);
}

export function PUT(req: NextRequest, ctx: unknown): Promise<Response> {
  return serveEndpoint().PUT(req, ctx);
}
