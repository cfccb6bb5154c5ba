import "server-only";
import type { FieldProblem } from "@/lib/errors";
import { evaluateExpression, ExpressionBudget } from "@/lib/mission/expressions";
import type { TriggerData } from "@/lib/mission/schema";
import { parseRunInput } from "@/server/runs/input";

/**
 * A webhook request's JSON body → the run input: each trigger field from its mapping expression
 * (bounded CEL with `body` in scope, one budget for the whole request), or from `body.<field>` when
 * it has none. Keys of the body that no field reads are ignored: senders send more than we need.
 * Every problem names the field (`input.<name>`).
 */
export function mapWebhookBody(trigger: TriggerData, body: unknown): { ok: true; input: Record<string, unknown> } | { ok: false; problems: FieldProblem[] } {
  if (!body || typeof body !== "object" || Array.isArray(body)) return { ok: false, problems: [{ path: "body", message: "must be a JSON object" }] };
  const budget = new ExpressionBudget();
  const raw: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const f of trigger.fields) {
    const expression = trigger.webhook?.mapping[f.name]?.trim();
    if (!expression) {
      if (Object.hasOwn(body, f.name)) raw[f.name] = (body as Record<string, unknown>)[f.name];
      continue;
    }
    try {
      raw[f.name] = evaluateExpression(expression, { body }, budget);
    } catch (e) {
      problems.push({ path: `input.${f.name}`, message: `its mapping ${expression} failed on this body: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  const parsed = parseRunInput(trigger.fields, raw);
  if (!parsed.ok) {
    const failed = new Set(problems.map((p) => p.path));
    problems.push(...parsed.problems.filter((p) => !failed.has(p.path)));
  }
  return problems.length || !parsed.ok ? { ok: false, problems } : { ok: true, input: parsed.input };
}
