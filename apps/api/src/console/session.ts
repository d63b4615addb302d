import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The console's session cookie: HttpOnly, SameSite=Strict, signed by the API (docs/console.md). */
export const sessionCookieName = 'tundra-session';
/** How long a console session lasts after sign-in. */
export const sessionLifetimeSeconds = 12 * 60 * 60;

/**
 * What the cookie carries. Never a token: the admin's session names only its kind, a project's carries the SHA-256
 * of its token, looked up on every request so that revoking the token ends the session at once.
 */
const SessionPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admin'), nonce: z.string().min(16), expiresAt: z.number().int() }),
  z.object({
    kind: z.literal('project'),
    projectId: z.string().min(1),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    nonce: z.string().min(16),
    expiresAt: z.number().int(),
  }),
]);
export type SessionPayload = z.infer<typeof SessionPayload>;

export type SessionIdentity = { kind: 'admin' } | { kind: 'project'; projectId: string; tokenHash: string };

/**
 * Signs and reads session cookies and derives their CSRF tokens. The key is derived from the admin token, so
 * changing the admin token signs everyone out, and there is no second secret to configure.
 */
export class ConsoleSessions {
  private readonly key: Buffer;

  constructor(adminToken: string) {
    this.key = createHmac('sha256', adminToken).update('tundra-console-session-v1').digest();
  }

  /** A new session's cookie value, valid for `sessionLifetimeSeconds` from `now`. */
  issue(identity: SessionIdentity, now: Date): string {
    const payload: SessionPayload = {
      ...identity,
      nonce: randomBytes(18).toString('base64url'),
      expiresAt: Math.floor(now.getTime() / 1000) + sessionLifetimeSeconds,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `v1.${body}.${this.sign(`session.${body}`)}`;
  }

  /** The session a cookie value holds, or null when it is malformed, forged or expired. */
  read(value: string | undefined, now: Date): SessionPayload | null {
    if (value === undefined) return null;
    const parts = value.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1') return null;
    if (!this.matches(parts[2]!, this.sign(`session.${parts[1]}`))) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const parsed = SessionPayload.safeParse(json);
    if (!parsed.success || parsed.data.expiresAt * 1000 <= now.getTime()) return null;
    return parsed.data;
  }

  /** The CSRF token of a session: the page sends it in `X-CSRF-Token` with every change. */
  csrfToken(session: SessionPayload): string {
    return this.sign(`csrf.${session.nonce}`);
  }

  csrfValid(session: SessionPayload, given: string | undefined): boolean {
    return given !== undefined && this.matches(given, this.csrfToken(session));
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  private matches(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The value of one cookie in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The `Set-Cookie` header of a session (an empty value with Max-Age=0 ends it). */
export function sessionCookie(value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  const attributes = [
    `${sessionCookieName}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${options.maxAgeSeconds}`,
  ];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}
