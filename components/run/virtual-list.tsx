"use client";

import { useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type ReactNode, type Ref } from "react";
import { cn } from "@/components/ui/cn";

export interface VirtualListHandle {
  /** Scrolls so row `index` is visible (centred when it was off screen). */
  scrollToIndex(index: number): void;
  scrollToEnd(): void;
}

/**
 * A list that renders only the rows in view (plus `overscan`), all `rowHeight` tall, so ten
 * thousand rows cost what thirty do. With `follow`, it stays pinned to the end as rows arrive while
 * the reader is at the end; scrolling up stops following until they come back down.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  overscan = 10,
  renderRow,
  rowKey,
  follow = false,
  onAtEndChange,
  className,
  ref,
  ...rest
}: {
  items: readonly T[];
  rowHeight: number;
  overscan?: number;
  renderRow: (item: T, index: number) => ReactNode;
  rowKey: (item: T) => string | number;
  follow?: boolean;
  onAtEndChange?: (atEnd: boolean) => void;
  className?: string;
  ref?: Ref<VirtualListHandle>;
  "data-testid"?: string;
  "aria-label"?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const atEnd = useRef(true);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const end = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight / 2;
    if (end !== atEnd.current) {
      atEnd.current = end;
      onAtEndChange?.(end);
    }
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(el.scrollTop);
    });
  }, [rowHeight, onAtEndChange]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // Pinned to the end: new rows scroll into view in the same frame they are rendered.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !follow || !atEnd.current) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [items.length, follow, height]);

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index) {
        const el = scroller.current;
        if (!el) return;
        const top = index * rowHeight;
        if (top < el.scrollTop || top + rowHeight > el.scrollTop + el.clientHeight) {
          el.scrollTop = Math.max(0, top - el.clientHeight / 2 + rowHeight / 2);
          setScrollTop(el.scrollTop);
        }
      },
      scrollToEnd() {
        const el = scroller.current;
        if (!el) return;
        el.scrollTop = el.scrollHeight;
        atEnd.current = true;
        onAtEndChange?.(true);
        setScrollTop(el.scrollTop);
      },
    }),
    [rowHeight, onAtEndChange],
  );

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i] as T;
    rows.push(
      <div key={rowKey(item)} role="listitem" className="absolute inset-x-0 [contain:strict]" style={{ top: i * rowHeight, height: rowHeight }}>
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    // Containment keeps a scroll step's layout and paint to the rows that changed.
    <div ref={scroller} onScroll={onScroll} className={cn("relative overflow-y-auto [contain:strict]", className)} {...rest}>
      <div role="list" className="relative" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
