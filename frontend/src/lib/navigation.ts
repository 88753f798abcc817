/** A `next` parameter only ever leads back into this site (a path, never another origin). */
export function safeNextPath(next: string | null | undefined, fallback = "/tasks"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (next.startsWith("/api/")) return fallback;
  return next;
}
