"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { MissionJsonInput } from "./mission-json-input";
import { ProblemList } from "./problem-list";

export function ImportMissionDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [text, setText] = useState("");
  const importMission = useMutation(
    trpc.missions.import.mutationOptions({
      onSuccess: (m) => {
        onOpenChange(false);
        setText("");
        // An imported version that governs something waits for a second person, like a saved one.
        if (m.publishedVersion === null) toast.info(`Imported as version 1 — it changes governance, so an approver or admin must review it before it runs`);
        else toast.success("Imported and published as version 1");
        router.push(`/missions/${m.id}`);
      },
    }),
  );
  const problems = errorProblems(importMission.error);


  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) importMission.reset();
      }}
      title="Import a mission"
      description="Paste a steward.mission/v1 JSON document or choose a file. Nothing is saved unless the whole document is valid."
      className="w-[min(92vw,720px)]"
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button data-testid="import-submit" disabled={!text.trim() || importMission.isPending} onClick={() => importMission.mutate({ document: text })}>
            {importMission.isPending ? "Importing…" : "Import"}
          </Button>
        </>
      }
    >
      <div className="space-y-3">
        <MissionJsonInput idPrefix="import" text={text} onText={setText} className="h-56" />
        {importMission.error ? (
          problems.length ? (
            <ProblemList problems={problems} title={importMission.error.message} />
          ) : (
            <ProblemList problems={[{ path: "", message: importMission.error.message }]} title="Import failed" />
          )
        ) : null}
      </div>
    </Dialog>
  );
}
