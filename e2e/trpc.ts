import type { APIRequestContext } from "@playwright/test";

/** Calls a tRPC procedure over HTTP as the request context's user; throws with the error when it fails. */
export async function trpc<T>(request: APIRequestContext, path: string, input: unknown, method: "query" | "mutation" = "query"): Promise<T> {
  const res =
    method === "mutation"
      ? await request.post(`/api/trpc/${path}`, { data: input })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok() || !body.result) throw new Error(`${path} failed (${res.status()}): ${JSON.stringify(body.error)}`);
  return body.result.data;
}
