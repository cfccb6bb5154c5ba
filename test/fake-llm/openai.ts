import type http from "node:http";
import { deltas, sendJson, sendSse, startFakeLlmServer, type FakeLlmServer, type FakeReply, type RecordedRequest } from "./fake-server";

/**
 * A fake OpenAI API: the Responses API (`POST /v1/responses`, what `openai(modelId)` uses) and Chat
 * Completions (`POST /v1/chat/completions`, what OpenAI-compatible servers speak), each as JSON or
 * as a stream when the request says `stream: true`.
 */
export function startFakeOpenAI(): Promise<FakeLlmServer> {
  return startFakeLlmServer({
    routes: { "/v1/responses": responses, "/v1/chat/completions": chatCompletions },
    errorBody: (status, message) => ({
      error: { message, type: status === 429 ? "rate_limit_exceeded" : "server_error", param: null, code: String(status) },
    }),
  });
}

type Answer = Exclude<FakeReply, { kind: "status" } | { kind: "hang" } | { kind: "stall" }>;
let seq = 0;
const created = 1_764_000_000;

function usageOf(a: Answer) {
  return a.usage ?? { input: 11, output: 3 };
}

function responses(req: RecordedRequest, a: Answer, res: http.ServerResponse): void {
  const id = `resp_${++seq}`;
  const model = String(req.body.model);
  const u = usageOf(a);
  const usage = {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.output,
  };
  const item =
    a.kind === "text"
      ? { type: "message", id: `msg_${seq}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: a.text, annotations: [] }] }
      : { type: "function_call", id: `fc_${seq}`, call_id: a.id ?? `call_${seq}`, name: a.name, arguments: JSON.stringify(a.args), status: "completed" };
  const done = { id, object: "response", created_at: created, model, status: "completed", output: [item], incomplete_details: null, usage };
  if (!req.body.stream) return sendJson(res, done);

  let n = 0;
  const ev = (type: string, rest: Record<string, unknown>) => ({ event: type, data: { type, sequence_number: n++, ...rest } });
  const events = [ev("response.created", { response: { ...done, status: "in_progress", output: [], usage: null } })];
  if (a.kind === "text") {
    events.push(ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }));
    for (const d of deltas(a.text)) events.push(ev("response.output_text.delta", { item_id: item.id, output_index: 0, content_index: 0, delta: d }));
    events.push(ev("response.output_item.done", { output_index: 0, item }));
  } else {
    events.push(ev("response.output_item.added", { output_index: 0, item: { ...item, arguments: "", status: "in_progress" } }));
    for (const d of deltas(JSON.stringify(a.args), 8)) {
      events.push(ev("response.function_call_arguments.delta", { item_id: item.id, output_index: 0, delta: d }));
    }
    events.push(ev("response.output_item.done", { output_index: 0, item }));
  }
  events.push(ev("response.completed", { response: done }));
  sendSse(res, events);
}

function chatCompletions(req: RecordedRequest, a: Answer, res: http.ServerResponse): void {
  const id = `chatcmpl_${++seq}`;
  const model = String(req.body.model);
  const u = usageOf(a);
  const usage = { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
  const callId = a.kind === "tool-call" ? (a.id ?? `call_${seq}`) : "";
  const finish = a.kind === "text" ? "stop" : "tool_calls";
  if (!req.body.stream) {
    const message =
      a.kind === "text"
        ? { role: "assistant", content: a.text }
        : { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: a.name, arguments: JSON.stringify(a.args) } }] };
    return sendJson(res, { id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
  }
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    data: { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] },
  });
  const events: Array<{ data: unknown }> = [chunk({ role: "assistant", content: "" })];
  if (a.kind === "text") {
    for (const d of deltas(a.text)) events.push(chunk({ content: d }));
  } else {
    events.push(chunk({ tool_calls: [{ index: 0, id: callId, type: "function", function: { name: a.name, arguments: "" } }] }));
    for (const d of deltas(JSON.stringify(a.args), 8)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: d } }] }));
  }
  events.push(chunk({}, finish));
  events.push({ data: { id, object: "chat.completion.chunk", created, model, choices: [], usage } });
  events.push({ data: "[DONE]" });
  sendSse(res, events);
}
