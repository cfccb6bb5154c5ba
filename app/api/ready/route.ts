import { readinessNow } from "@/server/ops/ready";

// Readiness for load balancers and Kubernetes: 200 when this process should get traffic, else 503
// with the check that failed (docs/deployment.md).
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const r = await readinessNow();
  return Response.json(r, { status: r.ready ? 200 : 503, headers: { "cache-control": "no-store" } });
}
