import { vi } from "vitest";
import type * as Handler from "@/server/rest/handler";

// Every answer of a REST route built with `rest()` is checked against the OpenAPI document
// (test/openapi-responses.ts): a test whose request gets an undocumented status or a body the
// document does not allow fails, naming the route and what differs.
vi.mock("@/server/rest/handler", async (importOriginal) => {
  const real = await importOriginal<typeof Handler>();
  const { checkDocumentedResponse } = await import("./openapi-responses");
  const rest: typeof real.rest = (role, fn) => {
    const handler = real.rest(role, fn);
    return async (req, route) => {
      const res = await handler(req, route);
      await checkDocumentedResponse(req, res);
      return res;
    };
  };
  return { ...real, rest };
});
