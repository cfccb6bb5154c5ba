import { metricsResponse } from "@/server/ops/metrics-endpoint";

// Prometheus metrics, for the holder of METRICS_TOKEN (docs/deployment.md).
export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return metricsResponse(request.headers.get("authorization"));
}
