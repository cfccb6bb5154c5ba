/** The `host[:port]` of an `Origin` header's value, or null for `null` and anything unparsable. */
export function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}
