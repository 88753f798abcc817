"use client";
/**
 * The signed-in user, the typed API client (with the in-memory JWT) and the user's profile (time zone) for every
 * page. The session is Better Auth's cookie; the API's JWT is fetched from /api/auth/token into a TokenHolder
 * and never stored anywhere else. Who is signed in is read from that token's claims (a 401: nobody), so a page
 * load asks one thing (the token) before the page's own requests, not the session first and then the token.
 * While someone is signed in, the tab follows their live updates (one stream, src/lib/liveUpdates.ts) for the pages.
 */
import { useRouter } from "next/navigation";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { type ApiClient, createApiClient } from "@/api/client";
import { type ProblemInfo, networkProblem, problemOf } from "@/api/errors";
import type { Profile } from "@/api/types";
import { LiveUpdates } from "@/lib/liveUpdates";
import { browserTimeZone } from "@/lib/time";
import { useRefreshOnFocus } from "@/lib/useRefreshOnFocus";
import { authClient, fetchApiToken } from "./client";
import { TokenHolder, type TokenUser } from "./token";

export type SessionUser = TokenUser;

interface AuthContextValue {
  status: "loading" | "signed-out" | "signed-in";
  user: SessionUser | null;
  api: ApiClient;
  profile: Profile | null;
  profileProblem: ProblemInfo | null;
  /** The profile's zone, else the browser's (while the profile loads or when it failed). */
  timeZone: string;
  setProfile: (profile: Profile) => void;
  reloadProfile: () => void;
  signOut: () => Promise<void>;
  /** True from the click on "Sign out" on: pages then go to the sign-in page without coming back. */
  signingOut: boolean;
  /** The signed-in user's task changes as they happen (useLiveUpdates, useLiveReload). */
  live: LiveUpdates;
}

const AuthContext = createContext<AuthContextValue | null>(null);

// One token holder and API client for the page's lifetime (relative URLs: the browser's own origin). In the browser
// the token, and with it who is signed in, is asked for as soon as this module loads, while React hydrates.
const tokens = new TokenHolder(fetchApiToken);
const api = createApiClient(tokens, "");
const live = new LiveUpdates(tokens);
const askAgain = () => void tokens.refresh().catch(() => undefined); // a failure is the pages' to show
if (typeof window !== "undefined") askAgain();

export function AuthProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  // undefined while the answer is awaited (also in the server's render and hydration), null when signed out. A new
  // token for another user (signed in as someone else in another tab) changes it.
  const known = useSyncExternalStore(tokens.subscribe, tokens.user, () => undefined);
  const user = known ?? null;
  const status = known === undefined ? "loading" : user ? "signed-in" : "signed-out";
  const [profile, setProfile] = useState<Profile | null>(null);
  const [profileProblem, setProfileProblem] = useState<ProblemInfo | null>(null);
  const [profileVersion, setProfileVersion] = useState(0);
  const userId = user?.id ?? null;

  // Sign-in, sign-up, sign-out… in this tab (Better Auth toggles this signal once its request has answered): the
  // session cookie changed, so the token is asked for again. Another tab may have signed out or in: asked again
  // when this one gets the focus back.
  useEffect(
    () =>
      authClient.$store.atoms.$sessionSignal?.listen(() => {
        tokens.reset();
        askAgain();
      }),
    [],
  );
  useRefreshOnFocus(askAgain);

  // Another user (or none): forget the previous user's profile.
  const [knownUserId, setKnownUserId] = useState<string | null>(null);
  // From the click on "Sign out" until someone signs in again: the session store may tell the pages "signed out"
  // only after the sign-out request has answered, and they must then not ask to come back (`?next=`).
  const [signingOut, setSigningOut] = useState(false);
  if (knownUserId !== userId) {
    setKnownUserId(userId);
    setProfile(null);
    setProfileProblem(null);
    if (userId && knownUserId === null) setSigningOut(false);
  }

  // One stream per tab, for whoever is signed in; none while signed out.
  useEffect(() => {
    if (!userId) return;
    live.start(userId);
    return () => live.stop();
  }, [userId]);

  useEffect(() => {
    if (!userId) return;
    let cancelled = false;
    api
      .GET("/api/{user_id}/profile", { params: { path: { user_id: userId } } })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        if (data) {
          setProfile(data);
          setProfileProblem(null);
        } else setProfileProblem(problemOf(error, response.status));
      })
      .catch((error: unknown) => {
        if (!cancelled) setProfileProblem(networkProblem(error));
      });
    return () => {
      cancelled = true;
    };
  }, [userId, profileVersion]);

  const signOut = useCallback(async () => {
    setSigningOut(true);
    try {
      await authClient.signOut();
    } finally {
      tokens.clear();
      router.replace("/sign-in");
    }
  }, [router]);

  const value = useMemo<AuthContextValue>(
    () => ({
      status,
      user,
      api,
      profile,
      profileProblem,
      timeZone: profile?.timezone || browserTimeZone(),
      setProfile,
      reloadProfile: () => setProfileVersion((version) => version + 1),
      signOut,
      signingOut,
      live,
    }),
    [status, user, profile, profileProblem, signOut, signingOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside <AuthProvider>");
  return value;
}

/** The signed-in user and API client; only inside <RequireAuth>. */
export function useSignedIn(): AuthContextValue & { user: SessionUser } {
  const value = useAuth();
  if (!value.user) throw new Error("useSignedIn outside <RequireAuth>");
  return value as AuthContextValue & { user: SessionUser };
}
