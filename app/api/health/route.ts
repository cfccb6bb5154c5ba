// Liveness: the process is up and answers HTTP. It touches nothing else, so a database outage
// does not get the process restarted (/api/ready covers that: docs/deployment.md).
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }, { headers: { "cache-control": "no-store" } });
}
