"use client";

import { useState } from "react";
import { Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

export function DeleteDocument({ title, clauseCount, action }: { title: string; clauseCount: number; action: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)} data-testid="knowledge-delete">
        <Trash2 /> Delete
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={`Delete “${title}”?`}
        description={`Its ${clauseCount} clause${clauseCount === 1 ? "" : "s"} will no longer be found by Workers. Runs that cited them keep their record.`}
        footer={
          <form action={action} className="flex gap-2">
            <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="danger" data-testid="knowledge-delete-confirm">
              Delete document
            </Button>
          </form>
        }
      />
    </>
  );
}
