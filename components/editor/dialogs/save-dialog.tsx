"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label } from "@/components/ui/input";
import { useEditor } from "../store/editor-context";

/** Save makes an immutable version; the message says what changed. Problems do not block saving. */
export function SaveDialog({
  open,
  onOpenChange,
  onSave,
  saving,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (message: string) => void;
  saving: boolean;
}) {
  const [message, setMessage] = useState("");
  const problems = useEditor((s) => s.problems.length);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) setMessage("");
      }}
      title="Save a version"
      description="A version is an immutable snapshot: runs are pinned to one, and you can compare with it or restore it later. A version that changes tools, approvals, conditions or who can start the mission runs once an approver or admin publishes it."
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button data-testid="save-version-submit" disabled={saving} onClick={() => onSave(message)}>
            {saving ? "Saving…" : "Save version"}
          </Button>
        </>
      }
    >
      <form
        className="space-y-1.5"
        onSubmit={(e) => {
          e.preventDefault();
          onSave(message);
        }}
      >
        <Label htmlFor="version-message">Message (optional)</Label>
        <Input id="version-message" autoFocus value={message} maxLength={500} placeholder="e.g. Ask for approval above 100 EUR" onChange={(e) => setMessage(e.target.value)} />
      </form>
      {problems ? (
        <p className="mt-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          This mission has {problems} problem{problems === 1 ? "" : "s"}. You can save it, but it cannot run until they are fixed.
        </p>
      ) : null}
    </Dialog>
  );
}
