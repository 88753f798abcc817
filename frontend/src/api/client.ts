/**
 * The typed API client: openapi-fetch over the types openapi-typescript generated from the Django schema
 * (src/api/schema.d.ts), so a request or response that no longer fits the schema is a type error.
 * Requests go to the UI's own origin (/api/*, forwarded to Django) with the in-memory JWT; a 401 fetches a new
 * token and tries once more.
 */
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import type { TokenHolder } from "@/auth/token";

export type Fetch = (request: Request) => Promise<Response>;

/** `fetch` with `Authorization: Bearer <JWT>`; on a 401, one retry with a fresh token. */
export function authorizedFetch(tokens: Pick<TokenHolder, "get" | "refresh">, base: Fetch = (r) => fetch(r)): Fetch {
  return async (request) => {
    const send = (token: string | null) => {
      const attempt = request.clone();
      if (token) attempt.headers.set("Authorization", `Bearer ${token}`);
      return base(attempt);
    };
    const response = await send(await tokens.get());
    if (response.status !== 401) return response;
    const fresh = await tokens.refresh();
    return fresh ? send(fresh) : response;
  };
}

export function createApiClient(tokens: Pick<TokenHolder, "get" | "refresh">, baseUrl: string, base?: Fetch) {
  return createClient<paths>({ baseUrl, fetch: authorizedFetch(tokens, base) });
}

export type ApiClient = ReturnType<typeof createApiClient>;
