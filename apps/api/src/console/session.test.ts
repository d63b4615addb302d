import { describe, expect, it } from 'vitest';
import { ConsoleSessions, cookieValue, sessionCookie, sessionLifetimeSeconds } from './session.js';

const now = new Date('2026-12-04T12:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const project = { kind: 'project', projectId: 'shop', tokenHash: 'a'.repeat(64) } as const;

describe('ConsoleSessions', () => {
  const sessions = new ConsoleSessions('admin-token-0123456789abcdef');

  it('reads back what it issued, until it expires', () => {
    const cookie = sessions.issue(project, now);
    expect(sessions.read(cookie, later(60))).toMatchObject(project);
    expect(sessions.read(cookie, later(sessionLifetimeSeconds))).toBeNull();
    expect(sessions.read(sessions.issue({ kind: 'admin' }, now), now)).toMatchObject({ kind: 'admin' });
  });

  it('refuses a changed payload, a changed signature, another key and junk', () => {
    const cookie = sessions.issue(project, now);
    const [version, body, signature] = cookie.split('.') as [string, string, string];
    const admin = Buffer.from(
      JSON.stringify({ kind: 'admin', nonce: 'x'.repeat(20), expiresAt: 9e9 }),
    ).toString('base64url');
    expect(sessions.read(`${version}.${admin}.${signature}`, now)).toBeNull();
    expect(sessions.read(`${version}.${body}.${signature.slice(1)}A`, now)).toBeNull();
    expect(new ConsoleSessions('another-admin-token-0123456789').read(cookie, now)).toBeNull();
    for (const junk of [undefined, '', 'v1', 'v1..', 'v2.a.b', `v1.${body}`])
      expect(sessions.read(junk, now)).toBeNull();
  });

  it('derives a CSRF token per session that only that session accepts', () => {
    const one = sessions.read(sessions.issue(project, now), now)!;
    const two = sessions.read(sessions.issue(project, now), now)!;
    const token = sessions.csrfToken(one);
    expect(sessions.csrfValid(one, token)).toBe(true);
    expect(sessions.csrfValid(two, token)).toBe(false);
    expect(sessions.csrfValid(one, undefined)).toBe(false);
    expect(sessions.csrfValid(one, `${token}x`)).toBe(false);
  });
});

describe('the cookie header', () => {
  it('is HttpOnly and SameSite=Strict, Secure over HTTPS, and found among others', () => {
    expect(sessionCookie('v', { secure: false, maxAgeSeconds: 60 })).toBe(
      'tundra-session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60',
    );
    expect(sessionCookie('v', { secure: true, maxAgeSeconds: 0 })).toMatch(/; Secure$/);
    expect(cookieValue('a=1; tundra-session=v1.x.y; b=2', 'tundra-session')).toBe('v1.x.y');
    expect(cookieValue('a=1', 'tundra-session')).toBeUndefined();
  });
});
