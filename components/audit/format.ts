/** Short, readable renderings of audit values for the table; the row's details show the full JSON. */

export function shortValue(v: unknown, max = 60): string {
  let s: string;
  if (v === null || v === undefined) s = "—";
  else if (Array.isArray(v)) s = v.length ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ") : "none";
  else if (typeof v === "object") s = JSON.stringify(v);
  else s = String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** "before → after" when the entry records a change, else `key: value` pairs. */
export function summarizeData(data: Record<string, unknown>, max = 140): string {
  if ("before" in data && "after" in data) return `${shortValue(data.before)} → ${shortValue(data.after)}`;
  const s = Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${shortValue(v, 40)}`)
    .join(" · ");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export type ActionTone = "slate" | "blue" | "green" | "amber" | "red" | "violet";

/** A colour per kind of act, so a scan of the log shows where the risky ones are. */
export function actionTone(action: string): ActionTone {
  if (/(loosened|revoked|deleted|cancelled|rejected|failed)/.test(action)) return "red";
  const noun = action.split(".")[0];
  switch (noun) {
    case "auth":
      return "blue";
    case "user":
    case "api_key":
      return "violet";
    case "connector":
    case "model":
      return "amber";
    case "decision":
    case "run":
      return "green";
    default:
      return "slate";
  }
}

/** Compact local time, 24-hour; the year only when it is not this year. */
export function formatWhen(iso: string, now = new Date()): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
}
