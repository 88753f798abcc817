/** The API's error shape `{"error": {"code", "message", "details": {field: [messages]}}}`, made readable. */

export interface ProblemInfo {
  status: number;
  code: string;
  message: string;
  /** Messages per field; nested details (a list's items by index) become `field.0`, ... and also count for `field`. */
  fields: Record<string, string[]>;
}

const FALLBACK_MESSAGES: Record<number, string> = {
  401: "Your session has ended. Sign in again.",
  403: "You are not allowed to do that.",
  404: "Not found. It may have been deleted.",
  409: "That conflicts with another task.",
  429: "Too many requests. Wait a moment and try again.",
};

function flatten(value: unknown, path: string, into: Record<string, string[]>): void {
  if (value === null || value === undefined) return;
  if (typeof value === "string") {
    (into[path] ??= []).push(value);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) =>
      typeof item === "string" ? flatten(item, path, into) : flatten(item, `${path}.${index}`, into),
    );
    return;
  }
  if (typeof value === "object") {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      flatten(item, path ? `${path}.${key}` : key, into);
    }
    return;
  }
  (into[path] ??= []).push(String(value));
}

/** The readable problem of a failed API call (`error` is openapi-fetch's parsed body, possibly not the API's). */
export function problemOf(error: unknown, status: number): ProblemInfo {
  const body = (error && typeof error === "object" ? (error as { error?: unknown }).error : undefined) as
    | { code?: unknown; message?: unknown; details?: unknown }
    | undefined;
  const fields: Record<string, string[]> = {};
  if (body && typeof body.details === "object" && body.details !== null) flatten(body.details, "", fields);
  // Nested messages also count for their top-level field, so a form shows them next to it.
  for (const key of Object.keys(fields)) {
    const top = key.split(".")[0] ?? key;
    if (top !== key) (fields[top] ??= []).push(...(fields[key] ?? []));
  }
  const message =
    typeof body?.message === "string" && body.message
      ? body.message
      : (FALLBACK_MESSAGES[status] ?? (status >= 500 ? "The server had a problem. Try again." : "Request failed."));
  return { status, code: typeof body?.code === "string" ? body.code : `http_${status}`, message, fields };
}

/** A problem for a request that never got an answer (offline, aborted). */
export function networkProblem(error: unknown): ProblemInfo {
  const message = error instanceof Error && error.message ? error.message : "unknown error";
  return { status: 0, code: "network", message: `The request failed (${message}). Check your connection.`, fields: {} };
}
