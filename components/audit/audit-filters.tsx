"use client";

import { X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { actionGroups, EMPTY_FILTERS, hasFilters, type AuditFilterState } from "./filters";

export function AuditFilters({
  value,
  onChange,
  actions,
  targetTypes,
}: {
  value: AuditFilterState;
  onChange: (next: AuditFilterState) => void;
  actions: string[];
  targetTypes: string[];
}) {
  const set = (k: keyof AuditFilterState) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  // Keep a chosen value selectable even when it is not (or no longer) among the recorded ones.
  const actionOptions = [...new Set([...actions, ...(value.action && !value.action.endsWith(".*") ? [value.action] : [])])].sort();
  const groups = [...new Set([...actionGroups(actions), ...(value.action.endsWith(".*") ? [value.action] : [])])].sort();
  const types = [...new Set([...targetTypes, ...(value.targetType ? [value.targetType] : [])])].sort();
  return (
    <Card className="mb-4 p-4" role="search" aria-label="Filter the audit log">
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-[minmax(0,1.3fr)_minmax(0,1.2fr)_minmax(0,1.6fr)_minmax(0,0.8fr)_minmax(0,0.8fr)_auto] lg:items-end">
        <div className="space-y-1.5">
          <Label htmlFor="audit-action">Action</Label>
          <Select id="audit-action" value={value.action} onChange={set("action")} data-testid="audit-filter-action">
            <option value="">All actions</option>
            {groups.length ? (
              <optgroup label="Groups">
                {groups.map((g) => (
                  <option key={g} value={g}>
                    {g.replace(".*", "")} — any
                  </option>
                ))}
              </optgroup>
            ) : null}
            {actionOptions.length ? (
              <optgroup label="Actions">
                {actionOptions.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </Select>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="audit-actor">Actor</Label>
          <Input id="audit-actor" placeholder="email, system, api key…" value={value.actor} onChange={set("actor")} data-testid="audit-filter-actor" />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="audit-target-type">Target</Label>
          <div className="flex gap-2">
            <Select id="audit-target-type" className="w-32 shrink-0" value={value.targetType} onChange={set("targetType")} aria-label="Target type" data-testid="audit-filter-target-type">
              <option value="">Any type</option>
              {types.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
            <Input placeholder="id" value={value.targetId} onChange={set("targetId")} aria-label="Target id" data-testid="audit-filter-target-id" />
          </div>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="audit-from">From</Label>
          <Input id="audit-from" type="date" value={value.fromDate} max={value.toDate || undefined} onChange={set("fromDate")} data-testid="audit-filter-from" />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="audit-to">To</Label>
          <Input id="audit-to" type="date" value={value.toDate} min={value.fromDate || undefined} onChange={set("toDate")} data-testid="audit-filter-to" />
        </div>
        <Button variant="ghost" onClick={() => onChange(EMPTY_FILTERS)} disabled={!hasFilters(value)} aria-label="Clear filters" title="Clear filters">
          <X /> Clear
        </Button>
      </div>
    </Card>
  );
}
