import http from "node:http";
// What Next.js runs for each route's answer.
import { pipeToNodeResponse } from "next/dist/server/pipe-readable";
import { installCoalescedHeaders } from "@/server/boot/coalesced-headers";

// The answer server of request-path.bench.ts: a run's JSON as a route returns it, written as
// Next.js writes it; with "coalesced", as the app's server does since server/boot installs it.
if (process.argv[2] === "coalesced") installCoalescedHeaders();

const body = JSON.stringify({
  id: "5b0e1c1e-1111-4222-8333-444455556666",
  status: "succeeded",
  verdict: { outcome: "approve", summary: "Refund of 120 approved" },
  nodes: Array.from({ length: 6 }, (_, i) => ({ nodeId: `n${i}`, status: "succeeded", output: { step: i } })),
});

const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const answer = new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    res.statusCode = answer.status;
    res.setHeader("content-type", "application/json");
    void pipeToNodeResponse(answer.body as ReadableStream<Uint8Array>, res);
  });
});
server.listen(0, "127.0.0.1", () => process.send?.((server.address() as { port: number }).port));
process.on("message", (m) => {
  if (m === "cpu") process.send?.(process.cpuUsage());
});
