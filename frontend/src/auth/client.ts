"use client";
// Better Auth's browser client (same origin: /api/auth/*), with the JWT plugin's client for `token()`.
import { jwtClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

export const authClient = createAuthClient({ plugins: [jwtClient()] });

/** The API's JWT for the current session cookie, or null when signed out. */
export async function fetchApiToken(): Promise<string | null> {
  const { data, error } = await authClient.token();
  if (error) {
    if (error.status === 401) return null;
    throw new Error(error.message || `token request failed (${error.status})`);
  }
  return data?.token ?? null;
}
