/**
 * The UI server's settings, read from the environment only (nothing here is a secret).
 *
 * - UI_AUTH_SECRET (required): Better Auth's own secret (cookie signing, encryption of the JWKS private keys).
 *   Locally `scripts/local_env.py` (make setup) generates it into the repository's .env. It must not be the
 *   Django HS256 secret (BETTER_AUTH_SECRET): the API verifies the UI's tokens through the JWKS instead.
 * - DATABASE_URL: the PostgreSQL that Django uses too; Better Auth's tables live in its schema `auth`.
 * - BETTER_AUTH_URL, else PUBLIC_BASE_URL: the UI's public origin (default http://localhost:3000).
 * - UI_TRUSTED_ORIGINS: more origins (comma-separated) the auth endpoints accept requests from.
 * - API_ORIGIN: where the Django API listens (default http://127.0.0.1:8000).
 * - LIVE_ORIGIN: where the live-updates server listens (default http://127.0.0.1:8001); the browser's
 *   `/api/{user_id}/events` (Server-Sent Events, docs/live-updates.md) is forwarded there, every other /api/ path to
 *   API_ORIGIN.
 * - API_DAPR_APP_ID, LIVE_DAPR_APP_ID: in Kubernetes (helm/todo), API_ORIGIN and LIVE_ORIGIN are the pod's Dapr
 *   sidecar (http://127.0.0.1:3500) and these name the app it invokes (the `dapr-app-id` header), so the calls
 *   travel between pods over Dapr's mTLS.
 * - AUTH_RATE_LIMIT: `false` turns Better Auth's rate limiting off (end-to-end tests from one address).
 */

export const AUTH_SCHEMA = "auth";
export const DEFAULT_DATABASE_URL = "postgres://todo:todo@127.0.0.1:5432/todo";
export const DEFAULT_BASE_URL = "http://localhost:3000";
export const DEFAULT_API_ORIGIN = "http://127.0.0.1:8000";
export const DEFAULT_LIVE_ORIGIN = "http://127.0.0.1:8001";
export const MIN_SECRET_LENGTH = 32;

export type Env = Record<string, string | undefined>;

export interface AuthConfig {
  secret: string;
  databaseUrl: string;
  baseURL: string;
  trustedOrigins: string[];
  rateLimit: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function origin(value: string, name: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
}

/** The same origin on the other loopback name (localhost <-> 127.0.0.1), so both work on a developer machine. */
function loopbackTwin(value: string): string | null {
  const url = new URL(value);
  if (url.hostname === "localhost") url.hostname = "127.0.0.1";
  else if (url.hostname === "127.0.0.1") url.hostname = "localhost";
  else return null;
  return url.origin;
}

/**
 * The auth settings; `requireSecret: false` is for the migration script, which signs nothing and so needs no secret
 * (its config has an empty one that Better Auth never sees at run time).
 */
export function readAuthConfig(env: Env = process.env, { requireSecret = true } = {}): AuthConfig {
  const secret = env.UI_AUTH_SECRET ?? "";
  if (!secret && requireSecret) {
    throw new ConfigError(
      "UI_AUTH_SECRET is not set: the UI refuses to run without its own secret " +
        "(make setup generates one into the repository's .env; export it into the UI's environment).",
    );
  }
  if (secret && secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`UI_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }
  if (env.BETTER_AUTH_SECRET && secret === env.BETTER_AUTH_SECRET) {
    throw new ConfigError("UI_AUTH_SECRET must differ from the API's HS256 secret BETTER_AUTH_SECRET.");
  }
  const baseURL = origin(env.BETTER_AUTH_URL || env.PUBLIC_BASE_URL || DEFAULT_BASE_URL, "BETTER_AUTH_URL");
  const trusted = new Set<string>([baseURL]);
  const twin = loopbackTwin(baseURL);
  if (twin) trusted.add(twin);
  for (const item of (env.UI_TRUSTED_ORIGINS ?? "").split(",")) {
    if (item.trim()) trusted.add(origin(item.trim(), "UI_TRUSTED_ORIGINS"));
  }
  return {
    secret,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    baseURL,
    trustedOrigins: [...trusted],
    rateLimit: (env.AUTH_RATE_LIMIT ?? "").toLowerCase() !== "false",
  };
}

export function apiOrigin(env: Env = process.env): string {
  return origin(env.API_ORIGIN || DEFAULT_API_ORIGIN, "API_ORIGIN");
}

export function liveOrigin(env: Env = process.env): string {
  return origin(env.LIVE_ORIGIN || DEFAULT_LIVE_ORIGIN, "LIVE_ORIGIN");
}

/** Where a route handler sends its requests: an origin, and the headers that route them on from there. */
export interface Upstream {
  origin: string;
  headers: Record<string, string>;
}

function daprRouting(appId: string | undefined, name: string): Record<string, string> {
  const id = (appId ?? "").trim();
  if (!id) return {};
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(id)) throw new ConfigError(`${name} is not a Dapr app id: ${id}`);
  return { "dapr-app-id": id };
}

/** The Django API: API_ORIGIN, through Dapr service invocation when API_DAPR_APP_ID is set. */
export function apiUpstream(env: Env = process.env): Upstream {
  return { origin: apiOrigin(env), headers: daprRouting(env.API_DAPR_APP_ID, "API_DAPR_APP_ID") };
}

/** The live-updates server: LIVE_ORIGIN, through Dapr service invocation when LIVE_DAPR_APP_ID is set. */
export function liveUpstream(env: Env = process.env): Upstream {
  return { origin: liveOrigin(env), headers: daprRouting(env.LIVE_DAPR_APP_ID, "LIVE_DAPR_APP_ID") };
}
