"use client";

import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

export function LeaveDialog({
  href,
  onStay,
  onLeave,
  onSaveAndLeave,
}: {
  href: string | null;
  onStay: () => void;
  onLeave: (href: string) => void;
  onSaveAndLeave: (href: string) => void;
}) {
  return (
    <Dialog
      open={href !== null}
      onOpenChange={(o) => {
        if (!o) onStay();
      }}
      title="Leave with unsaved changes?"
      description="Your latest changes have not been saved to the draft yet."
      footer={
        href ? (
          <>
            <Button variant="secondary" onClick={onStay}>
              Stay
            </Button>
            <Button variant="danger" onClick={() => onLeave(href)} data-testid="leave-discard">
              Leave without saving
            </Button>
            <Button onClick={() => onSaveAndLeave(href)} data-testid="leave-save">
              Save and leave
            </Button>
          </>
        ) : null
      }
    />
  );
}
