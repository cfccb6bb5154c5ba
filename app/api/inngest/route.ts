import type { NextRequest } from "next/server";
import { inngestHandler } from "@/server/engine/runtime";

// Inngest's serve() endpoint. In embedded mode only the in-process executor calls it (signed
// with the local key, so outside calls are rejected); with an Inngest server, that server does.
// The handler is built on first request, never at build time, and never opens the database itself.
export const dynamic = "force-dynamic";

export function GET(req: NextRequest, ctx: unknown): Promise<Response> {
  return inngestHandler().GET(req, ctx);
}

export function POST(req: NextRequest, ctx: unknown): Promise<Response> {
  return inngestHandler().POST(req, ctx);
}

export function PUT(req: NextRequest, ctx: unknown): Promise<Response> {
  return inngestHandler().PUT(req, ctx);
}
