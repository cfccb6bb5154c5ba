"use client";

import { useMemo, useState } from "react";
import { zodProblems, type FieldProblem } from "@/lib/errors";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label } from "@/components/ui/input";
import { problemPlace } from "../problem-place";
import { useEditor } from "../store/editor-context";

const SHOWN_BLOCKERS = 5;

/**
 * Values a version refuses (the draft keeps them): what the server would answer when saving. The
 * validator lists them in Problems too, among the problems that only stop a run.
 */
function versionBlockers(graph: MissionGraph): FieldProblem[] {
  const parsed = missionGraphSchema.safeParse(graph);
  return parsed.success ? [] : zodProblems(parsed.error.issues);
}

/** Save makes an immutable version; the message says what changed. Problems do not block saving, values a version refuses do. */
export function SaveDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; onSave: (message: string) => void; saving: boolean }) {
  return props.open ? <OpenSaveDialog {...props} /> : null;
}

function OpenSaveDialog({ onOpenChange, onSave, saving }: { onOpenChange: (open: boolean) => void; onSave: (message: string) => void; saving: boolean }) {
  const [message, setMessage] = useState("");
  const problems = useEditor((s) => s.problems.length);
  const graph = useEditor((s) => s.graph);
  const blockers = useMemo(() => versionBlockers(graph), [graph]);
  const save = () => {
    if (!blockers.length) onSave(message);
  };
  return (
    <Dialog
      open
      onOpenChange={onOpenChange}
      title="Save a version"
      description="A version is an immutable snapshot: runs are pinned to one, and you can compare with it or restore it later. A version that changes tools, approvals, conditions or who can start the mission runs once an approver or admin publishes it."
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button data-testid="save-version-submit" disabled={saving || blockers.length > 0} onClick={save}>
            {saving ? "Saving…" : "Save version"}
          </Button>
        </>
      }
    >
      <form
        className="space-y-1.5"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <Label htmlFor="version-message">Message (optional)</Label>
        <Input id="version-message" autoFocus value={message} maxLength={500} placeholder="e.g. Ask for approval above 100 EUR" onChange={(e) => setMessage(e.target.value)} />
      </form>
      {blockers.length ? (
        <div className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" role="alert" data-testid="save-version-blockers">
          <p>
            {blockers.length === 1 ? "One value" : `${blockers.length} values`} must be fixed before this can be a version. Your draft is saved as it is; Problems lists{" "}
            {blockers.length === 1 ? "it" : "them"} too.
          </p>
          <ul className="mt-1.5 list-disc space-y-0.5 pl-5">
            {blockers.slice(0, SHOWN_BLOCKERS).map((b, i) => (
              <li key={i}>
                <span className="font-medium">{problemPlace(graph, b.path)}</span>: {b.message}
              </li>
            ))}
          </ul>
          {blockers.length > SHOWN_BLOCKERS ? <p className="mt-1">and {blockers.length - SHOWN_BLOCKERS} more.</p> : null}
        </div>
      ) : problems ? (
        <p className="mt-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          This mission has {problems} problem{problems === 1 ? "" : "s"}. You can save it, but it cannot run until they are fixed.
        </p>
      ) : null}
    </Dialog>
  );
}
