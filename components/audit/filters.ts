/** The filter bar's state: what a person typed, before it becomes a query. */
export interface AuditFilterState {
  action: string;
  actor: string;
  targetType: string;
  targetId: string;
  /** `YYYY-MM-DD` from a date input, in the viewer's time zone; "" = open. */
  fromDate: string;
  toDate: string;
}

export const EMPTY_FILTERS: AuditFilterState = { action: "", actor: "", targetType: "", targetId: "", fromDate: "", toDate: "" };

export interface AuditQuery {
  action?: string;
  actor?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

/** Local midnight of a `YYYY-MM-DD` day, as an ISO instant. */
function localDayStart(day: string, addDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays).toISOString();
}

/** The query the server understands: date range from the start of "from" to the end of "to" (whole local days). */
export function toQuery(f: AuditFilterState): AuditQuery {
  const q: AuditQuery = {};
  const set = (k: keyof AuditQuery, v: string | undefined) => {
    const t = v?.trim();
    if (t) q[k] = t;
  };
  set("action", f.action);
  set("actor", f.actor);
  set("targetType", f.targetType);
  set("targetId", f.targetId);
  set("from", f.fromDate ? localDayStart(f.fromDate) : undefined);
  set("to", f.toDate ? localDayStart(f.toDate, 1) : undefined);
  return q;
}

export function hasFilters(f: AuditFilterState): boolean {
  return Object.keys(toQuery(f)).length > 0;
}

/** The REST export of the same filtered set (JSON Lines, oldest first). */
export function exportUrl(f: AuditFilterState): string {
  const params = new URLSearchParams(Object.entries(toQuery(f)));
  const qs = params.toString();
  return qs ? `/api/v1/audit?${qs}` : "/api/v1/audit";
}

/** The noun of a dotted action: `user.roles_changed` → `user`. */
export function actionNoun(action: string): string {
  return action.split(".")[0] ?? action;
}

/** Distinct nouns of the given actions, as `noun.*` filters. */
export function actionGroups(actions: string[]): string[] {
  return [...new Set(actions.map(actionNoun))].sort().map((n) => `${n}.*`);
}
