"use client";

import { useState } from "react";
import { Check, Link2 } from "lucide-react";

/** Copies this page's address: the status link is the customer's only key to it. */
export function CopyLink() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() =>
        void navigator.clipboard?.writeText(window.location.href).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 2_000);
        })
      }
      className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-sm font-medium text-[var(--accent-ink)] hover:bg-[var(--accent-soft)] focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-[var(--accent)]"
    >
      {copied ? <Check className="size-4" aria-hidden /> : <Link2 className="size-4" aria-hidden />}
      {copied ? "Link copied" : "Copy link"}
    </button>
  );
}
