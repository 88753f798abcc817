/**
 * Forwarding of the browser's live-update stream (`GET /api/{user_id}/events`, Server-Sent Events) to the
 * live-updates server, as the UI's route handler does it: the same allow-list idea as the API's forwarding
 * (src/lib/forward.ts), but the body is streamed through as it comes, with no timeout once the answer has begun,
 * and the upstream request ends when the browser goes away.
 */
import type { Upstream } from "@/auth/config";
import { asUpstream, errorResponse, FORWARD_TIMEOUT_MS, pickHeaders } from "./forward";

/** Request headers passed on to the live-updates server. */
export const EVENTS_REQUEST_HEADERS = ["accept", "authorization", "last-event-id"] as const;

/** Response headers passed back to the browser (www-authenticate: a 401 says why). */
export const EVENTS_RESPONSE_HEADERS = ["cache-control", "content-type", "www-authenticate"] as const;

/** The stream's URL on `liveOrigin` (only its `ticket` parameter kept), or null when the path is not a stream's. */
export function eventsUrl(requestUrl: string, liveOrigin: string): string | null {
  const incoming = new URL(requestUrl);
  const url = new URL(incoming.pathname, liveOrigin);
  // After normalisation (`/api/%2e%2e/events` is `/events`): exactly /api/<one segment>/events.
  if (!/^\/api\/[^/]+\/events$/.test(url.pathname)) return null;
  const ticket = incoming.searchParams.get("ticket");
  if (ticket !== null) url.searchParams.set("ticket", ticket);
  return url.toString();
}

/**
 * Sends the browser's stream request to the live-updates server at `liveOrigin` and returns its answer, body
 * unbuffered. `headersTimeoutMs` bounds the wait for the answer's headers only; the browser leaving
 * (`request.signal`) aborts the upstream request at any time.
 */
export async function forwardEvents(
  request: Request,
  live: Upstream | string,
  fetchImpl: typeof fetch = fetch,
  headersTimeoutMs: number = FORWARD_TIMEOUT_MS,
): Promise<Response> {
  const upstream = asUpstream(live);
  const url = eventsUrl(request.url, upstream.origin);
  if (url === null) return errorResponse(404, "not_found", "Not found.");
  const requestHeaders = pickHeaders(request.headers, EVENTS_REQUEST_HEADERS);
  for (const [name, value] of Object.entries(upstream.headers)) requestHeaders.set(name, value);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException("no answer in time", "TimeoutError")), headersTimeoutMs);
  let answer: Response;
  try {
    answer = await fetchImpl(url, {
      method: "GET",
      headers: requestHeaders,
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.any([request.signal, timeout.signal]),
    });
  } catch {
    return timeout.signal.aborted
      ? errorResponse(504, "live_updates_timeout", "The live-updates server did not answer in time.")
      : errorResponse(502, "live_updates_unavailable", "Live updates cannot be reached right now.");
  } finally {
    clearTimeout(timer);
  }
  const headers = pickHeaders(answer.headers, EVENTS_RESPONSE_HEADERS);
  // `no-transform`: the stream is never compressed (`next start` gzips a route handler's answer without it, and a
  // proxy compressing it may hold messages back to fill its buffer).
  if (!/(^|,)\s*no-transform\s*(,|$)/i.test(headers.get("cache-control") ?? "")) headers.set("cache-control", "no-cache, no-transform");
  headers.set("x-accel-buffering", "no");
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers });
}
