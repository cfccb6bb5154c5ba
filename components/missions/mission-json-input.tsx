"use client";

import { useState } from "react";
import { MAX_DOCUMENT_BYTES } from "@/lib/mission/schema";
import { Label, Textarea } from "@/components/ui/input";

/**
 * A mission document to import: chosen as a file or pasted. A file over the document limit is
 * refused here, before the browser reads it, in the same words as the limit the server holds to.
 */
export function MissionJsonInput({ idPrefix, text, onText, className }: { idPrefix: string; text: string; onText: (text: string) => void; className: string }) {
  const [fileError, setFileError] = useState<string | null>(null);

  async function onFile(file: File | undefined) {
    setFileError(null);
    if (!file) return;
    if (file.size > MAX_DOCUMENT_BYTES) {
      setFileError(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; mission documents are at most ${MAX_DOCUMENT_BYTES / 1e6} MB.`);
      return;
    }
    onText(await file.text());
  }

  return (
    <>
      <div className="space-y-1.5">
        <Label htmlFor={`${idPrefix}-file`}>File</Label>
        <input id={`${idPrefix}-file`} type="file" accept=".json,application/json" onChange={(e) => void onFile(e.target.files?.[0])} className="block text-sm" />
        {fileError ? <p className="text-xs text-red-600">{fileError}</p> : null}
      </div>
      <div className="space-y-1.5">
        <Label htmlFor={`${idPrefix}-text`}>Mission JSON</Label>
        <Textarea
          id={`${idPrefix}-text`}
          data-testid={`${idPrefix}-text`}
          value={text}
          onChange={(e) => onText(e.target.value)}
          className={`${className} font-mono text-xs`}
          placeholder='{ "format": "steward.mission/v1", "name": "…", "nodes": [], "edges": [] }'
          spellCheck={false}
        />
      </div>
    </>
  );
}
