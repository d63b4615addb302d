import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTaigaSession, type TaigaTokens } from './auth-session.js';
import { TaigaAuthError, TaigaCredentialsError, TaigaUnavailableError } from './errors.js';

const site = { endpoint: '/auth/refresh', method: 'POST' };

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function fakeAuth(refreshBehaviour: 'ok' | 'refused' | 'down' = 'ok') {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    deps: {
      logger: pino({ level: 'silent' }),
      async login(): Promise<TaigaTokens> {
        calls.push('login');
        n += 1;
        return { accessToken: `access-${n}`, refreshToken: `refresh-${n}` };
      },
      async refresh(token: string): Promise<TaigaTokens> {
        calls.push(`refresh:${token}`);
        if (refreshBehaviour === 'refused') throw new TaigaAuthError(site, 'Token is invalid or expired');
        if (refreshBehaviour === 'down') throw new TaigaUnavailableError(site, 'HTTP 503', 5, false);
        n += 1;
        return { accessToken: `access-${n}`, refreshToken: `refresh-${n}` };
      },
    },
  };
}

describe('createTaigaSession', () => {
  it('logs in once for concurrent first calls', async () => {
    const gate = deferred<void>();
    const auth = fakeAuth();
    const session = createTaigaSession({
      ...auth.deps,
      login: async () => {
        await gate.promise;
        return auth.deps.login();
      },
    });
    const tokens = Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    gate.resolve();
    expect(await tokens).toEqual(['access-1', 'access-1', 'access-1']);
    expect(auth.calls).toEqual(['login']);
  });

  it('refreshes once for many 401s on the same token', async () => {
    const auth = fakeAuth();
    const session = createTaigaSession(auth.deps);
    const stale = await session.accessToken();
    await Promise.all([session.renew(stale), session.renew(stale), session.renew(stale)]);
    // A renewal asked for a token that was already replaced does nothing.
    await session.renew(stale);
    expect(await session.accessToken()).toBe('access-2');
    expect(auth.calls).toEqual(['login', 'refresh:refresh-1']);
  });

  it('logs in again when the refresh token is refused', async () => {
    const auth = fakeAuth('refused');
    const session = createTaigaSession(auth.deps);
    await session.renew(await session.accessToken());
    expect(await session.accessToken()).toBe('access-2');
    expect(auth.calls).toEqual(['login', 'refresh:refresh-1', 'login']);
  });

  it('answers a refused login from memory for a while, then asks Taiga again', async () => {
    let clock = 0;
    let attempts = 0;
    const refusal = new TaigaCredentialsError(
      { endpoint: '/auth', method: 'POST' },
      'bot',
      'No active account',
    );
    const session = createTaigaSession({
      logger: pino({ level: 'silent' }),
      now: () => clock,
      refusedLoginTtlMs: 60_000,
      login: async () => {
        attempts += 1;
        if (attempts === 1) throw refusal;
        return { accessToken: 'access', refreshToken: 'refresh' };
      },
      refresh: async () => ({ accessToken: 'unused', refreshToken: 'unused' }),
    });
    await expect(session.accessToken()).rejects.toBe(refusal);
    clock = 59_999;
    await expect(session.accessToken()).rejects.toBe(refusal);
    expect(attempts).toBe(1);
    clock = 60_000;
    await expect(session.accessToken()).resolves.toBe('access');
    expect(attempts).toBe(2);
  });

  it('lets an outage during refresh surface instead of logging in', async () => {
    const auth = fakeAuth('down');
    const session = createTaigaSession(auth.deps);
    await expect(session.renew(await session.accessToken())).rejects.toBeInstanceOf(TaigaUnavailableError);
    expect(auth.calls).toEqual(['login', 'refresh:refresh-1']);
  });
});
