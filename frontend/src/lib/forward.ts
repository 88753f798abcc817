/**
 * Forwarding of the browser's /api/* requests (all but /api/auth/*) to the Django API, as the UI's route handler
 * does it: only the headers the API needs go out (never the browser's cookies: Better Auth's session stays with the
 * UI), only the response headers the browser needs come back, and an unreachable API answers in the API's error
 * shape. A request that may be sent twice is sent once more when its connection fails before any answer.
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

/** Safe methods (RFC 9110): sending one twice changes nothing. So may a request with an Idempotency-Key (the API
 * answers its repeat with the first answer). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a request may be sent again after its connection failed (the API may or may not have seen it). */
export function resendable(method: string, headers: Headers): boolean {
  return SAFE_METHODS.has(method.toUpperCase()) || headers.has("idempotency-key");
}

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
  const body = SAFE_METHODS.has(request.method) ? undefined : await request.arrayBuffer();
  const signal = AbortSignal.timeout(timeoutMs);
  const send = () => fetchImpl(url, { method: request.method, headers, body, redirect: "manual", cache: "no-store", signal });
  let answer: Response;
  try {
    try {
      answer = await send();
    } catch (error) {
      // A kept-alive connection the other side closed just as this request went out ("other side closed"):
      // another connection is tried once, within the same time limit, if sending twice is harmless.
      if (timedOut(error) || !resendable(request.method, headers)) throw error;
      answer = await send();
    }
  } catch (error) {
    // The method and the cause only: a path can carry a secret (a calendar feed's token).
    console.warn(`The API did not answer a ${request.method}: ${causeOf(error)}`);
    return timedOut(error)
      ? errorResponse(504, "api_timeout", "The API did not answer in time. Try again.")
      : errorResponse(502, "api_unavailable", "The API cannot be reached right now. Try again in a moment.");
  }
  const responseHeaders = pickHeaders(answer.headers, FORWARDED_RESPONSE_HEADERS);
  // Bodyless statuses must not carry a body.
  const answerBody = answer.status === 204 || answer.status === 304 || request.method === "HEAD" ? null : answer.body;
  return new Response(answerBody, { status: answer.status, statusText: answer.statusText, headers: responseHeaders });
}

function timedOut(error: unknown): boolean {
  return error instanceof DOMException && error.name === "TimeoutError";
}

/** Why a fetch failed, as undici says it (e.g. UND_ERR_SOCKET, ECONNREFUSED), without its URL. */
function causeOf(error: unknown): string {
  if (timedOut(error)) return "timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : error instanceof Error ? error.name : "unknown error";
}
