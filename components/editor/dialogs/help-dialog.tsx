"use client";

import { Dialog } from "@/components/ui/dialog";
import { SHORTCUTS } from "../hooks/use-shortcuts";

export function HelpDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Keyboard shortcuts" description="On a Mac, use ⌘ where it says Ctrl.">
      <table className="w-full text-sm" data-testid="shortcuts">
        <tbody className="divide-y divide-slate-100">
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td className="py-1.5 pr-4 whitespace-nowrap">
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i ? <span className="px-0.5 text-slate-400">+</span> : null}
                    <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs text-slate-700 shadow-[0_1px_0_#cbd5e1]">{k}</kbd>
                  </span>
                ))}
              </td>
              <td className="py-1.5 text-slate-700">{s.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
