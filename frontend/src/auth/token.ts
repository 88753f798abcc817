/**
 * The API's JWT in memory only (never localStorage/sessionStorage): fetched from Better Auth's /api/auth/token with
 * the session cookie, reused until a minute before it expires, then fetched again; concurrent callers share one
 * fetch. `refresh()` forces a new one (after a 401).
 */

export type TokenSource = () => Promise<string | null>;

/** The `exp` claim of a JWT in milliseconds, or null when it has none or is not a JWT. Nothing is verified here. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

export class TokenHolder {
  private token: string | null = null;
  private expiresAt = 0;
  private pending: Promise<string | null> | null = null;
  private generation = 0;
  private owner: string | null = null;

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
      .then((token) => {
        if (generation !== this.generation) return null; // cleared (signed out) meanwhile
        this.token = token;
        // A token without `exp` is used once and fetched again next time.
        this.expiresAt = token ? (tokenExpiry(token) ?? 0) : 0;
        return token;
      })
      .finally(() => {
        if (this.pending === pending) this.pending = null;
      });
    this.pending = pending;
    return pending;
  }

  /** Binds the holder to a user (null: signed out); the token of another user is forgotten. Idempotent. */
  setOwner(owner: string | null): void {
    if (owner === this.owner) return;
    this.owner = owner;
    this.clear();
  }

  /** Forgets the token (sign-out, another user). */
  clear(): void {
    this.generation += 1;
    this.token = null;
    this.expiresAt = 0;
    this.pending = null;
  }

  /** When the current token should be renewed (ms since the epoch), or null without one. */
  renewAt(): number | null {
    return this.token && this.expiresAt ? this.expiresAt - this.marginMs : null;
  }
}
