"use client";

import { useMemo } from "react";
import { Copy, Download } from "lucide-react";
import { toast } from "sonner";
import { downloadJson, slugify } from "@/components/missions/download";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Textarea } from "@/components/ui/input";
import { useEditorStoreApi } from "../store/editor-context";

/** The draft as a steward.mission/v1 document: to read, copy or download. */
export function ExportDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const store = useEditorStoreApi();
  // Read once when opened: the document is a snapshot, and large graphs are slow to stringify.
  const graph = useMemo(() => (open ? store.getState().graph : null), [open, store]);
  const text = useMemo(() => (graph ? JSON.stringify(graph, null, 2) : ""), [graph]);
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Export mission JSON"
      description="The draft as drawn, in the steward.mission/v1 format. Import it into any Steward, or keep it in version control."
      className="w-[min(92vw,760px)]"
      footer={
        <>
          <Button
            variant="secondary"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(text);
                toast.success("Copied the mission JSON");
              } catch {
                toast.error("The browser did not allow copying; select the text and copy it instead.");
              }
            }}
          >
            <Copy /> Copy
          </Button>
          <Button onClick={() => graph && downloadJson(`${slugify(graph.name)}.mission.json`, graph)} data-testid="export-download">
            <Download /> Download
          </Button>
        </>
      }
    >
      <Textarea readOnly value={text} data-testid="export-json" className="h-96 font-mono text-xs" spellCheck={false} aria-label="Mission JSON" />
    </Dialog>
  );
}
