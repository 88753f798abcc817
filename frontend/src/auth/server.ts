/**
 * The Better Auth instance of the UI server, made on first use (not at import: `next build` imports route modules
 * without the runtime environment) and kept across hot reloads in development.
 */
import { betterAuth } from "better-auth";
import { readAuthConfig } from "./config";
import { buildAuthOptions, createAuthPool } from "./options";

function createAuth() {
  const config = readAuthConfig();
  const pool = createAuthPool(config.databaseUrl);
  return { auth: betterAuth(buildAuthOptions(config, pool)), pool };
}

type Instance = ReturnType<typeof createAuth>;
const holder = globalThis as typeof globalThis & { __todoAuth?: Instance };

export function getAuth(): Instance["auth"] {
  holder.__todoAuth ??= createAuth();
  return holder.__todoAuth.auth;
}
