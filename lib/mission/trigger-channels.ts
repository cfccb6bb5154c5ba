import { Cron } from "croner";
import cronstrue from "cronstrue";
import { expressionCostProblem, parseExpression } from "./expressions";
import type { TriggerData } from "./schema";

/**
 * The trigger's automatic channels, shared by the editor (preview, problems) and the server
 * (firing, mapping): `schedule` (a cron expression in an IANA time zone) and `webhook` (an inbound
 * Standard Webhooks request whose JSON body is mapped to the trigger's fields).
 */

/** A problem in the trigger's data (node-kinds' DataProblem). */
export interface ChannelProblem {
  path: (string | number)[];
  message: string;
}

/** How many upcoming firings the editor and the missions list show. */
export const UPCOMING_FIRINGS = 5;

/** Standard 5-field cron (minute precision), as Inngest cron triggers take it. */
function cronOf(expression: string, timezone: string): Cron {
  return new Cron(expression.trim(), { timezone, mode: "5-part", paused: true });
}

/** Whether the runtime knows this IANA time zone (Europe/Paris, UTC). */
export function isTimeZone(timezone: string): boolean {
  if (!timezone.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression cannot be used, or null. */
export function cronProblem(expression: string): string | null {
  if (!expression.trim()) return "write a cron expression, e.g. 0 8 * * 1-5 (08:00 on weekdays)";
  try {
    const cron = cronOf(expression, "UTC");
    if (!cron.nextRun(new Date())) return "never fires";
    return null;
  } catch (e) {
    return `is not a cron expression of 5 fields (minute hour day month weekday): ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The next `n` firings after `from` (empty when the schedule is invalid). */
export function nextFirings(expression: string, timezone: string, from: Date, n = UPCOMING_FIRINGS): Date[] {
  if (cronProblem(expression) || !isTimeZone(timezone)) return [];
  return cronOf(expression, timezone).nextRuns(n, from);
}

/** The latest firing at or before `now`, or null (an invalid schedule, or none yet). */
export function latestFiring(expression: string, timezone: string, now: Date): Date | null {
  if (cronProblem(expression) || !isTimeZone(timezone)) return null;
  // previousRuns looks strictly before its reference, in whole seconds: from the next second, so a
  // firing at `now` (a tick a few milliseconds after the minute) counts.
  const [prev] = cronOf(expression, timezone).previousRuns(1, new Date(now.getTime() + 1_000));
  return prev && prev.getTime() <= now.getTime() ? prev : null;
}

/** A firing as people read it, in the schedule's zone: "Mon 7 Dec 08:00". */
export function formatFiring(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("day")} ${part("month")} ${part("hour")}:${part("minute")}`;
}

/** "At 08:00, Monday through Friday (Europe/Paris)", or why it cannot be read. */
export function describeSchedule(expression: string, timezone: string): string {
  const problem = cronProblem(expression);
  if (problem) return `Cron ${problem}`;
  let text: string;
  try {
    text = cronstrue.toString(expression.trim(), { use24HourTimeFormat: true, verbose: false });
  } catch {
    text = expression.trim();
  }
  return `${text} (${timezone || "no time zone"})`;
}

/** The preview the editor shows: the wording and the next firing. */
export function schedulePreview(expression: string, timezone: string, now: Date): string {
  const [next] = nextFirings(expression, timezone, now, 1);
  return next ? `${describeSchedule(expression, timezone)}, next: ${formatFiring(next, timezone)}` : describeSchedule(expression, timezone);
}

/** Problems of the schedule and webhook settings of a trigger (node-kinds' check calls this). */
export function triggerChannelProblems(data: TriggerData): ChannelProblem[] {
  const problems: ChannelProblem[] = [];
  if (data.channels.includes("schedule")) {
    if (!data.schedule) problems.push({ path: ["schedule", "cron"], message: "set when the schedule fires (a cron expression)" });
    else {
      const cron = cronProblem(data.schedule.cron);
      if (cron) problems.push({ path: ["schedule", "cron"], message: cron });
      if (!isTimeZone(data.schedule.timezone)) problems.push({ path: ["schedule", "timezone"], message: `must be an IANA time zone such as Europe/Paris or UTC, not "${data.schedule.timezone}"` });
      const known = new Set(data.fields.map((f) => f.name));
      for (const name of Object.keys(data.schedule.input)) {
        if (!known.has(name)) problems.push({ path: ["schedule", "input", name], message: `is not an input of this trigger` });
      }
      for (const f of data.fields) {
        const v = data.schedule.input[f.name];
        if (f.required && (v === undefined || v === "")) problems.push({ path: ["schedule", "input", f.name], message: `a scheduled run needs a value for the required input ${f.name}` });
      }
    }
  }
  if (data.channels.includes("webhook")) {
    const known = new Set(data.fields.map((f) => f.name));
    for (const [name, expression] of Object.entries(data.webhook?.mapping ?? {})) {
      if (!known.has(name)) {
        problems.push({ path: ["webhook", "mapping", name], message: "is not an input of this trigger" });
        continue;
      }
      if (!expression.trim()) continue;
      const parsed = parseExpression(expression);
      if (!parsed.ok) problems.push({ path: ["webhook", "mapping", name], message: `does not parse: ${parsed.message}` });
      else {
        const cost = expressionCostProblem(expression);
        if (cost) problems.push({ path: ["webhook", "mapping", name], message: cost });
      }
    }
  }
  return problems;
}
