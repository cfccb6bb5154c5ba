"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/** A moment in the reader's own time zone; the server's render shows UTC until the browser takes over. */
export function LocalTime({ iso }: { iso: string }) {
  const local = useSyncExternalStore(
    subscribe,
    () => new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short" }).format(new Date(iso)),
    () => `${new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso))} UTC`,
  );
  return <time dateTime={iso}>{local}</time>;
}
