"use client";

import { useEffect, useState } from "react";
import { useEditorStoreApi } from "../store/editor-context";

/**
 * Warns before leaving with unsaved changes: the browser's own prompt on reload or close, and an
 * in-app confirmation for links inside the app (which never fire beforeunload).
 */
export function useLeaveGuard(): { pendingHref: string | null; cancel: () => void } {
  const store = useEditorStoreApi();
  const [pendingHref, setPendingHref] = useState<string | null>(null);

  useEffect(() => {
    const unsaved = () => {
      const s = store.getState();
      return !s.readOnly && s.graph !== s.savedGraph;
    };
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!unsaved()) return;
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = "";
    };
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const anchor = (e.target as Element | null)?.closest?.("a[href]");
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target === "_blank" || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
      if (!unsaved()) return;
      e.preventDefault();
      e.stopPropagation();
      setPendingHref(url.pathname + url.search + url.hash);
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [store]);

  return { pendingHref, cancel: () => setPendingHref(null) };
}
