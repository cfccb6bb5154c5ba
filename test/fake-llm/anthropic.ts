import type http from "node:http";
import { deltas, sendJson, sendSse, startFakeLlmServer, type FakeLlmServer, type FakeReply, type RecordedRequest } from "./fake-server";

/** A fake Anthropic Messages API (`POST /v1/messages`), as JSON or as a stream when `stream: true`. */
export function startFakeAnthropic(): Promise<FakeLlmServer> {
  return startFakeLlmServer({
    routes: { "/v1/messages": messages },
    errorBody: (status, message) => ({
      type: "error",
      error: { type: status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : "api_error", message },
    }),
  });
}

type Answer = Exclude<FakeReply, { kind: "status" } | { kind: "hang" } | { kind: "stall" }>;
let seq = 0;

function messages(req: RecordedRequest, a: Answer, res: http.ServerResponse): void {
  const id = `msg_${++seq}`;
  const model = String(req.body.model);
  const u = a.usage ?? { input: 13, output: 4 };
  const block =
    a.kind === "text"
      ? { type: "text", text: a.text }
      : { type: "tool_use", id: a.id ?? `toolu_${seq}`, name: a.name, input: a.args };
  const stopReason = a.kind === "text" ? "end_turn" : "tool_use";
  if (!req.body.stream) {
    return sendJson(res, {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [block],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: u.input, output_tokens: u.output },
    });
  }
  const ev = (type: string, rest: Record<string, unknown> = {}) => ({ event: type, data: { type, ...rest } });
  const events = [
    ev("message_start", {
      message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1 } },
    }),
  ];
  if (a.kind === "text") {
    events.push(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
    for (const d of deltas(a.text)) events.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: d } }));
  } else {
    events.push(ev("content_block_start", { index: 0, content_block: { ...block, input: {} } }));
    for (const d of deltas(JSON.stringify(a.args), 8)) {
      events.push(ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: d } }));
    }
  }
  events.push(ev("content_block_stop", { index: 0 }));
  events.push(ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: u.output } }));
  events.push(ev("message_stop"));
  sendSse(res, events);
}
