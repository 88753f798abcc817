/**
 * Better Auth's options, shared by the route handler (src/auth/server.ts) and the migration script
 * (scripts/migrate-auth.ts). Plain Node: no Next.js-only imports here.
 */
import type { BetterAuthOptions } from "better-auth";
import { jwt } from "better-auth/plugins/jwt";
import { Pool } from "pg";
import { AUTH_SCHEMA, type AuthConfig } from "./config";

/** Lifetime of the JWTs the API accepts; the browser refreshes them a minute before they expire. */
export const JWT_LIFETIME = "15m";

/** A pool whose connections see the schema `auth` only: Better Auth's tables never mix with Django's. */
export function createAuthPool(databaseUrl: string): Pool {
  return new Pool({
    connectionString: databaseUrl,
    options: `-c search_path=${AUTH_SCHEMA}`,
    max: 5,
    idleTimeoutMillis: 30_000,
    application_name: "todo-ui-auth",
  });
}

export function buildAuthOptions(config: AuthConfig, pool: Pool) {
  return {
    appName: "Todo",
    baseURL: config.baseURL,
    basePath: "/api/auth",
    secret: config.secret,
    database: pool,
    trustedOrigins: config.trustedOrigins,
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    rateLimit: { enabled: config.rateLimit },
    telemetry: { enabled: false },
    plugins: [
      jwt({
        // EdDSA (Ed25519) keys by default; the public ones are served at /api/auth/jwks (Django's JWKS_URL).
        jwt: {
          issuer: config.baseURL,
          audience: config.baseURL,
          expirationTime: JWT_LIFETIME,
          // `sub` is the user id (the default subject); Django fills its users table from these claims.
          definePayload: ({ user }) => ({ email: user.email, name: user.name }),
        },
      }),
    ],
  } satisfies BetterAuthOptions;
}

export type AuthOptions = ReturnType<typeof buildAuthOptions>;
