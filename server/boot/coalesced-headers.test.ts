import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
// What Next.js runs for every route's answer (its Response body piped into the Node response).
import { pipeToNodeResponse } from "next/dist/server/pipe-readable";
import { installCoalescedHeaders } from "./coalesced-headers";

type Handler = (res: http.ServerResponse) => Promise<void>;

/** A server answering with `handler`; counts the writes each connection's socket makes. */
async function countingServer(handler: Handler) {
  const writes: number[] = [];
  const server = http.createServer((_req, res) => void handler(res));
  type Write = (...args: unknown[]) => void;
  server.on("connection", (socket: Socket & { _write: Write; _writev?: Write }) => {
    const index = writes.push(0) - 1;
    const write = socket._write;
    const writev = socket._writev;
    socket._write = function (...args: unknown[]) {
      writes[index] = (writes[index] ?? 0) + 1;
      write.apply(this, args);
    };
    if (writev) {
      socket._writev = function (...args: unknown[]) {
        writes[index] = (writes[index] ?? 0) + 1;
        writev.apply(this, args);
      };
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, writes, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("a route's answer", () => {
  beforeAll(() => installCoalescedHeaders());

  it("leaves in one socket write: headers, body and end together", async () => {
    const body = JSON.stringify({ id: "run-1", status: "succeeded", verdict: { outcome: "approve" } });
    const s = await countingServer(async (res) => {
      const answer = Response.json(JSON.parse(body), { status: 200 });
      res.statusCode = answer.status;
      res.setHeader("content-type", "application/json");
      await pipeToNodeResponse(answer.body as ReadableStream<Uint8Array>, res);
    });
    try {
      const res = await fetch(`${s.base}/api/v1/runs/run-1`, { headers: { connection: "close" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(body);
      // Before: 2 (the headers alone, then the body with the end).
      expect(s.writes).toEqual([1]);
    } finally {
      await s.close();
    }
  });

  it("of a stream sends its headers and first chunk without waiting for the rest", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const s = await countingServer(async (res) => {
      const enc = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(enc.encode("data: first\n\n"));
          await released;
          controller.enqueue(enc.encode("data: second\n\n"));
          controller.close();
        },
      });
      res.setHeader("content-type", "text/event-stream");
      await pipeToNodeResponse(stream, res);
    });
    try {
      // The stream holds its second chunk until the client has the headers and the first.
      const res = await fetch(`${s.base}/events`);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
      release();
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      expect(rest).toContain("data: second");
    } finally {
      release();
      await s.close();
    }
  });
});
