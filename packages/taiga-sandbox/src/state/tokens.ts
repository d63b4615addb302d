import { randomBytes, randomUUID } from 'node:crypto';

/** Taiga's refresh token lifetime (simplejwt's REFRESH_TOKEN_LIFETIME in taiga-back's settings). */
const refreshTtlSeconds = 8 * 24 * 3600;

type TokenType = 'access' | 'refresh';

export interface IssuedToken {
  userId: number;
  type: TokenType;
  expiresAtMs: number;
}

export interface TokenPair {
  auth_token: string;
  refresh: string;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Issues JWT-shaped opaque tokens and remembers them: validity is a lookup, so `expireAll` can end every access
 * token at once. Refresh tokens rotate (the old one stops working), as Taiga's ROTATE_REFRESH_TOKENS does.
 */
export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly accessTtlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issuePair(userId: number): TokenPair {
    return { auth_token: this.issue(userId, 'access'), refresh: this.issue(userId, 'refresh') };
  }

  /** The user an access token belongs to, or null when it is unknown or expired. */
  userOfAccessToken(token: string): number | null {
    return this.valid(token, 'access')?.userId ?? null;
  }

  /** A new pair for a valid refresh token (which is used up), or null. */
  rotate(refreshToken: string): TokenPair | null {
    const issued = this.valid(refreshToken, 'refresh');
    if (!issued) return null;
    this.tokens.delete(refreshToken);
    return this.issuePair(issued.userId);
  }

  /** The tokens issued and still known, as plain data (what a state file keeps). */
  snapshot(): [string, IssuedToken][] {
    return [...this.tokens];
  }

  restore(tokens: readonly [string, IssuedToken][]): void {
    this.tokens.clear();
    for (const [token, issued] of tokens) this.tokens.set(token, issued);
  }

  expireAccessTokens(): void {
    for (const [token, issued] of this.tokens) if (issued.type === 'access') this.tokens.delete(token);
  }

  private valid(token: string, type: TokenType): IssuedToken | null {
    const issued = this.tokens.get(token);
    if (!issued || issued.type !== type) return null;
    if (issued.expiresAtMs <= this.now()) {
      this.tokens.delete(token);
      return null;
    }
    return issued;
  }

  private issue(userId: number, type: TokenType): string {
    const nowMs = this.now();
    const ttlSeconds =
      type === 'access' ? this.accessTtlSeconds : Math.max(refreshTtlSeconds, this.accessTtlSeconds);
    const expiresAtMs = nowMs + ttlSeconds * 1000;
    const payload = {
      token_type: type,
      exp: Math.floor(expiresAtMs / 1000),
      iat: Math.floor(nowMs / 1000),
      jti: randomUUID().replaceAll('-', ''),
      user_id: userId,
    };
    const token = `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, { userId, type, expiresAtMs });
    return token;
  }
}
