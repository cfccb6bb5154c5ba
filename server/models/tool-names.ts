import "server-only";

/**
 * Providers accept tool names matching `^[A-Za-z0-9_-]{1,64}$`; mission tool refs contain dots
 * (`commerce.get_order`). This is the one mapping between the two, shared by the Worker loop and
 * the replay model so recorded refs find the tools the Worker offers.
 */
export function modelToolName(ref: string): string {
  return ref.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}
