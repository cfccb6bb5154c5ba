"use client";

import { useMemo, useState } from "react";
import { toast } from "sonner";
import { parseMissionDocument } from "@/lib/mission/validate";
import { MissionJsonInput } from "@/components/missions/mission-json-input";
import { ProblemList } from "@/components/missions/problem-list";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useEditorStoreApi } from "../store/editor-context";

/**
 * Brings a mission document onto this canvas: replace the drawing with it, or add its steps. A
 * document without the format's shape changes nothing; one with other problems may be loaded and
 * shows them on the canvas.
 */
export function ImportDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const store = useEditorStoreApi();
  const [text, setText] = useState("");
  const result = useMemo(() => (text.trim() ? parseMissionDocument(text) : null), [text]);
  const usable = result?.graph ?? null;

  function close() {
    onOpenChange(false);
    setText("");
  }

  function replace() {
    if (!usable) return;
    const s = store.getState();
    s.commit({ ...usable, name: s.graph.name }, { select: {} });
    toast.success(`Replaced the canvas with ${usable.nodes.length} steps. Undo with Ctrl+Z.`);
    close();
  }

  function add() {
    if (!usable) return;
    const ids = store.getState().paste(usable, { offset: { x: 0, y: 0 } });
    toast.success(`Added ${ids.length} step${ids.length === 1 ? "" : "s"}.`);
    close();
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => (o ? onOpenChange(true) : close())}
      title="Import mission JSON"
      description="Paste a steward.mission/v1 document or choose a file."
      className="w-[min(92vw,720px)]"
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button variant="secondary" disabled={!usable} onClick={add} data-testid="import-add">
            Add to canvas
          </Button>
          <Button disabled={!usable} onClick={replace} data-testid="import-replace">
            Replace canvas
          </Button>
        </>
      }
    >
      <div className="space-y-3">
        <MissionJsonInput idPrefix="editor-import" text={text} onText={setText} className="h-48" />
        {result && !usable ? <ProblemList problems={result.problems} title="This is not a mission document; nothing was changed" /> : null}
        {usable && result?.problems.length ? (
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            It has {result.problems.length} problem{result.problems.length === 1 ? "" : "s"}; they will show on the canvas for you to fix.
          </p>
        ) : null}
      </div>
    </Dialog>
  );
}
