"use client";

import { Switch } from "radix-ui";
import { cn } from "@/components/ui/cn";

/** An on/off switch with its accessible name; `disabled` while a change is saving. */
export function EnabledSwitch({ checked, onChange, label, disabled }: { checked: boolean; onChange: (on: boolean) => void; label: string; disabled?: boolean }) {
  return (
    <Switch.Root
      checked={checked}
      onCheckedChange={onChange}
      disabled={disabled}
      aria-label={label}
      className={cn(
        "relative inline-flex h-5 w-9 shrink-0 cursor-pointer items-center rounded-full border border-transparent transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-1 disabled:cursor-not-allowed disabled:opacity-60",
        checked ? "bg-emerald-500" : "bg-slate-300",
      )}
    >
      <Switch.Thumb className={cn("block size-4 rounded-full bg-white shadow transition-transform", checked ? "translate-x-4" : "translate-x-0.5")} />
    </Switch.Root>
  );
}
