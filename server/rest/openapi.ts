import "server-only";
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { registerPaths } from "./openapi/paths";

/**
 * The public REST API, described for integrators: generated from the zod schemas the routes parse
 * their requests with and the schemas of their answers (server/rest/openapi/), which every REST
 * test's real responses are checked against.
 */
export function openApiDocument(serverUrl: string) {
  generated ??= generate();
  return { ...generated, servers: [{ url: serverUrl }] };
}

let generated: ReturnType<typeof generate> | undefined;

function generate() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "An API key (stw_…)" });
  registerPaths(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Steward REST API",
      version: "1.0.0",
      description:
        "Integrations API. Authenticate with an API key you created under Your API keys (/account/api-keys): `Authorization: Bearer <key>`. The key acts as you, with your roles, and the audit log names it.",
    },
    security: [{ bearer: [] }],
  });
}
