import type { ModelProviderKind } from "@/server/db/schema";

export type ProviderKind = ModelProviderKind;

/** The order the "Add provider" dialog offers them in; the labels below are checked against the schema's kinds. */
export const PROVIDER_KINDS: readonly ProviderKind[] = ["openai", "anthropic", "openai-compatible", "replay"];

export const KIND_LABELS: Record<ProviderKind, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  "openai-compatible": "OpenAI-compatible",
  replay: "Replay",
};

export const KIND_HELP: Record<ProviderKind, string> = {
  openai: "GPT models over the Responses API",
  anthropic: "Claude models over the Messages API",
  "openai-compatible": "Ollama, vLLM, LM Studio… (Chat Completions)",
  replay: "Recorded transcripts, offline and deterministic",
};

/** What to type as the provider's model name, by kind. */
export const MODEL_NAME_PLACEHOLDER: Record<ProviderKind, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-sonnet-4-5",
  "openai-compatible": "llama3.1:8b",
  replay: "refund-demo",
};
