/**
 * The API's JWT in memory only (never localStorage/sessionStorage): fetched from Better Auth's /api/auth/token with
 * the session cookie, reused until a minute before it expires, then fetched again; concurrent callers share one
 * fetch. `refresh()` forces a new one (after a 401).
 *
 * The token also says who is signed in (`sub`, `email`, `name`; a 401 from the token endpoint: nobody), so the
 * holder is the page's source of that too: `user()` and `subscribe()` fit React's useSyncExternalStore.
 */

export type TokenSource = () => Promise<string | null>;

export interface TokenUser {
  id: string;
  email: string;
  name: string;
}

/** The payload of a JWT, or null when it is not one. Nothing is verified here (the API does). */
function payloadOf(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return json && typeof json === "object" ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The `exp` claim of a JWT in milliseconds, or null when it has none or is not a JWT. */
export function tokenExpiry(token: string): number | null {
  const exp = payloadOf(token)?.exp;
  return typeof exp === "number" ? exp * 1000 : null;
}

/** The user a JWT was issued for (`sub`, `email`, `name`), or null without a `sub`. */
export function tokenUser(token: string): TokenUser | null {
  const payload = payloadOf(token);
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return payload && text(payload.sub) ? { id: text(payload.sub), email: text(payload.email), name: text(payload.name) } : null;
}

export class TokenHolder {
  private token: string | null = null;
  private expiresAt = 0;
  private pending: Promise<string | null> | null = null;
  private generation = 0;
  /** undefined: not known yet (no answer from the token endpoint since the last reset); null: signed out. */
  private current: TokenUser | null | undefined = undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly source: TokenSource,
    private readonly now: () => number = Date.now,
    /** Renew this long before `exp`, so that a token never expires on its way to the API. */
    private readonly marginMs: number = 60_000,
  ) {}

  /** A token valid for at least the margin, or null when signed out. */
  async get(): Promise<string | null> {
    if (this.token && this.now() < this.expiresAt - this.marginMs) return this.token;
    return this.refresh();
  }

  /** Fetches a new token (one fetch for concurrent callers). */
  refresh(): Promise<string | null> {
    if (this.pending) return this.pending;
    const generation = this.generation;
    const pending = this.source()
      .then(
        (token) => {
          if (generation !== this.generation) return null; // cleared (signed out) meanwhile
          this.token = token;
          // A token without `exp` is used once and fetched again next time.
          this.expiresAt = token ? (tokenExpiry(token) ?? 0) : 0;
          this.setUser(token ? tokenUser(token) : null);
          return token;
        },
        (error: unknown) => {
          // Nobody known and no answer (e.g. offline): treated as signed out; a known user stays.
          if (generation === this.generation && this.current === undefined) this.setUser(null);
          throw error;
        },
      )
      .finally(() => {
        if (this.pending === pending) this.pending = null;
      });
    this.pending = pending;
    return pending;
  }

  /** Forgets the token and the user: signed out. */
  clear(): void {
    this.forget(null);
  }

  /**
   * Forgets the token (the session changed: sign-in, sign-out…). Signed out, the user is unknown until the next
   * answer; a signed-in user stays until then (as Better Auth's session store does while it fetches again).
   */
  reset(): void {
    this.forget(this.current ?? undefined);
  }

  /** Who the last token was for: undefined while not known, null when signed out. */
  readonly user = (): TokenUser | null | undefined => this.current;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** When the current token should be renewed (ms since the epoch), or null without one. */
  renewAt(): number | null {
    return this.token && this.expiresAt ? this.expiresAt - this.marginMs : null;
  }

  private forget(user: TokenUser | null | undefined): void {
    this.generation += 1;
    this.token = null;
    this.expiresAt = 0;
    this.pending = null;
    this.setUser(user);
  }

  /** Keeps the same object while the same user is signed in (a stable snapshot), and tells the listeners else. */
  private setUser(user: TokenUser | null | undefined): void {
    const same = user && this.current ? user.id === this.current.id && user.email === this.current.email && user.name === this.current.name : user === this.current;
    if (same) return;
    this.current = user;
    for (const listener of this.listeners) listener();
  }
}
