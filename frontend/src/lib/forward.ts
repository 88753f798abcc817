/**
 * Forwarding of the browser's /api/* requests (all but /api/auth/*) to the Django API, as the UI's route handler
 * does it: only the headers the API needs go out (never the browser's cookies: Better Auth's session stays with the
 * UI), only the response headers the browser needs come back, and an unreachable API answers in the API's error
 * shape.
 */

import type { Upstream } from "@/auth/config";

/** Request headers passed on to the API; everything else (cookies, Origin, ...) stays here. */
export const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "authorization",
  "content-type",
  "idempotency-key",
  "if-match",
  "if-none-match",
] as const;

/** Response headers passed back to the browser. */
export const FORWARDED_RESPONSE_HEADERS = [
  "cache-control",
  "content-disposition",
  "content-language",
  "content-type",
  "etag",
  "last-modified",
  "location",
  "retry-after",
  "vary",
  "www-authenticate",
  "x-robots-tag",
] as const;

export const FORWARD_TIMEOUT_MS = 30_000;

/** The API's URL for a request to the UI's origin: same path and query, on `apiOrigin`. Only the API's paths
 * (/api/*, but Better Auth's /api/auth/*) and calendar feeds (/ical/<token>.ics) go there. */
export function upstreamUrl(requestUrl: string, apiOrigin: string): string {
  const incoming = new URL(requestUrl);
  const api = incoming.pathname.startsWith("/api/") && !incoming.pathname.startsWith("/api/auth/");
  const feed = /^\/ical\/[^/]+\.ics$/.test(incoming.pathname);
  if (!api && !feed) {
    throw new Error(`not an API path: ${incoming.pathname}`);
  }
  return new URL(incoming.pathname + incoming.search, apiOrigin).toString();
}

export function pickHeaders(source: Headers, names: readonly string[]): Headers {
  const headers = new Headers();
  for (const name of names) {
    const value = source.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message, details: {} } }, { status });
}

/** An upstream given as an origin only: no routing headers. */
export function asUpstream(upstream: Upstream | string): Upstream {
  return typeof upstream === "string" ? { origin: upstream, headers: {} } : upstream;
}

/** Sends `request` to the API (an origin, or an `Upstream` with its routing headers) and returns its answer. */
export async function forward(
  request: Request,
  api: Upstream | string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs: number = FORWARD_TIMEOUT_MS,
): Promise<Response> {
  const upstream = asUpstream(api);
  let url: string;
  try {
    url = upstreamUrl(request.url, upstream.origin);
  } catch {
    return errorResponse(404, "not_found", "Not found."); // e.g. a path that normalises out of /api/
  }
  const headers = pickHeaders(request.headers, FORWARDED_REQUEST_HEADERS);
  for (const [name, value] of Object.entries(upstream.headers)) headers.set(name, value);
  const forwardedFor = request.headers.get("x-forwarded-for");
  if (forwardedFor) headers.set("x-forwarded-for", forwardedFor);
  const hasBody = !["GET", "HEAD", "OPTIONS"].includes(request.method);
  let answer: Response;
  try {
    answer = await fetchImpl(url, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return timedOut
      ? errorResponse(504, "api_timeout", "The API did not answer in time. Try again.")
      : errorResponse(502, "api_unavailable", "The API cannot be reached right now. Try again in a moment.");
  }
  const responseHeaders = pickHeaders(answer.headers, FORWARDED_RESPONSE_HEADERS);
  // Bodyless statuses must not carry a body.
  const body = answer.status === 204 || answer.status === 304 || request.method === "HEAD" ? null : answer.body;
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers: responseHeaders });
}
