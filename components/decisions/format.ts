/** Times as the Decision Queue says them: relative where it helps, exact where it matters. */

function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${Math.max(1, s)} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 && h < 10 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** "asked 5 min ago", or "just now". */
export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (ms < 45_000) return "just now";
  return `${span(ms)} ago`;
}

/** "due in 23 h", "overdue by 5 min", or null when there is no due time. */
export function dueIn(iso: string | null, now: number): { text: string; overdue: boolean; soon: boolean } | null {
  if (!iso) return null;
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return { text: `overdue by ${span(ms)}`, overdue: true, soon: true };
  return { text: `due in ${span(ms)}`, overdue: false, soon: ms < 3_600_000 };
}

/** "Tue 14:05" this week, else "12 Mar 14:05". */
export function when(iso: string, now: number): string {
  const d = new Date(iso);
  const sameWeek = Math.abs(d.getTime() - now) < 6 * 86_400_000;
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
  const day = sameWeek ? d.toLocaleDateString(undefined, { weekday: "short" }) : d.toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `${day} ${time}`;
}

export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}
