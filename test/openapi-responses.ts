import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import { openApiDocument } from "@/server/rest/openapi";

// Checks a REST route's real answer against the OpenAPI document: the path and method are
// documented, the status is listed for them, and a JSON body validates against its schema.
// test/openapi-setup.ts runs it on every answer of every route built with `rest()`, so the
// document cannot drift from what the routes do.

/** Routes outside the public API: the app's own pages read them. */
const UNDOCUMENTED = [/^\/api\/editor\//];

type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };
type Doc = { paths: Record<string, Record<string, Operation>> };

interface Checker {
  doc: Doc;
  ajv: Ajv2020;
  routes: { template: string; pattern: RegExp }[];
  validators: Map<string, ValidateFunction>;
}

let checker: Checker | undefined;

function load(): Checker {
  if (checker) return checker;
  const doc = openApiDocument("http://localhost") as unknown as Doc;
  // The document is one schema whose parts are referenced by JSON pointer; formats are descriptive.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, "openapi");
  const routes = Object.keys(doc.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  checker = { doc, ajv, routes, validators: new Map() };
  return checker;
}

const pointer = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

export async function checkDocumentedResponse(req: Request, res: Response): Promise<void> {
  const path = new URL(req.url).pathname;
  if (UNDOCUMENTED.some((r) => r.test(path))) return;
  const { doc, ajv, routes, validators } = load();
  const method = req.method.toLowerCase();
  const where = `${req.method} ${path}`;
  const template = routes.find((r) => r.pattern.test(path))?.template;
  if (!template) throw new Error(`${where} is not in the OpenAPI document (server/rest/openapi/paths.ts)`);
  const op = doc.paths[template]?.[method];
  if (!op) throw new Error(`${req.method} ${template} is not in the OpenAPI document (server/rest/openapi/paths.ts)`);
  const documented = op.responses[String(res.status)];
  if (!documented) {
    const body = await res.clone().text();
    throw new Error(`${req.method} ${template} answered ${res.status}, which the OpenAPI document does not list (it lists ${Object.keys(op.responses).join(", ")}): ${body.slice(0, 300)}`);
  }
  if (!documented.content) {
    if ((await res.clone().text()) !== "") throw new Error(`${req.method} ${template} answered ${res.status} with a body the OpenAPI document does not describe`);
    return;
  }
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (!(type in documented.content)) throw new Error(`${req.method} ${template} answered ${res.status} as ${type || "no content type"}; the OpenAPI document says ${Object.keys(documented.content).join(", ")}`);
  if (type !== "application/json") return;
  const ref = `openapi#/paths/${pointer(template)}/${method}/responses/${res.status}/content/${pointer(type)}/schema`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  const body: unknown = await res.clone().json();
  if (!validate(body)) {
    throw new Error(`${req.method} ${template} answered ${res.status} with a body the OpenAPI document does not allow: ${ajv.errorsText(validate.errors, { separator: "; " })}\n${JSON.stringify(body).slice(0, 500)}`);
  }
}
