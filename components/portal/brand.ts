import type { CSSProperties } from "react";

// Portal colours from the organisation's one brand colour: text on it must stay readable
// whatever an admin picks, so the foreground is chosen by contrast.

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return 0;
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => channel(parseInt(x ?? "0", 16))) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** White or near-black, whichever reads better on `hex`. */
export function foregroundOn(hex: string): string {
  return contrast(hex, "#ffffff") >= contrast(hex, "#0f172a") ? "#ffffff" : "#0f172a";
}

/** CSS variables the portal's classes use: --accent, --accent-fg, --accent-soft, --accent-ink. */
export function accentStyle(colour: string): CSSProperties {
  const safe = /^#[0-9a-f]{6}$/i.test(colour) ? colour : "#2259d6";
  // Text in the accent colour on white needs 4.5:1; a too-light brand colour is darkened for it.
  const ink = contrast(safe, "#ffffff") >= 4.5 ? safe : `color-mix(in srgb, ${safe} 45%, #0f172a)`;
  return {
    "--accent": safe,
    "--accent-fg": foregroundOn(safe),
    "--accent-soft": `color-mix(in srgb, ${safe} 10%, #ffffff)`,
    "--accent-ink": ink,
  } as CSSProperties;
}
