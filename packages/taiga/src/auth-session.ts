import type { Logger } from 'pino';
import type { TokenSource } from './call-runner.js';
import { TaigaAuthError, TaigaCredentialsError, TaigaValidationError } from './errors.js';

export interface TaigaTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface SessionDeps {
  /** `POST /auth` with the bot's credentials. */
  login(): Promise<TaigaTokens>;
  /** `POST /auth/refresh`. */
  refresh(refreshToken: string): Promise<TaigaTokens>;
  logger: Logger;
  /**
   * How long a refused login is answered from memory (default 60 s): every call would otherwise try the same wrong
   * password again, and Taiga counts failed logins towards its `login-fail` throttle.
   */
  refusedLoginTtlMs?: number;
  now?: () => number;
}

/**
 * The bot user's tokens. Logs in lazily; on renewal tries the refresh token first and logs in again when Taiga
 * refuses it. All callers share one login or refresh in flight, so a burst of 401s costs one round trip. A login
 * Taiga refused is not tried again for `refusedLoginTtlMs`: callers get the same `TaigaCredentialsError` at once.
 */
export function createTaigaSession(deps: SessionDeps): TokenSource {
  const now = deps.now ?? Date.now;
  const refusedLoginTtlMs = deps.refusedLoginTtlMs ?? 60_000;
  let tokens: TaigaTokens | null = null;
  let inFlight: Promise<TaigaTokens> | null = null;
  let refused: { error: TaigaCredentialsError; at: number } | null = null;

  const login = async (): Promise<TaigaTokens> => {
    if (refused !== null && now() - refused.at < refusedLoginTtlMs) throw refused.error;
    try {
      const fresh = await deps.login();
      refused = null;
      return fresh;
    } catch (error) {
      if (error instanceof TaigaCredentialsError) {
        refused = { error, at: now() };
        deps.logger.error({ username: error.username, reason: error.taigaMessage }, error.message);
      }
      throw error;
    }
  };

  const obtain = (work: () => Promise<TaigaTokens>): Promise<TaigaTokens> => {
    inFlight ??= work()
      .then((fresh) => {
        tokens = fresh;
        return fresh;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  const refreshOrLogin = async (): Promise<TaigaTokens> => {
    const refreshToken = tokens?.refreshToken;
    if (refreshToken !== undefined) {
      try {
        return await deps.refresh(refreshToken);
      } catch (error) {
        // Only a refusal of the refresh token sends us to a full login; an outage must surface as an outage.
        if (!(error instanceof TaigaAuthError || error instanceof TaigaValidationError)) throw error;
        deps.logger.info({ reason: error.message }, 'Taiga refused the refresh token; logging in again');
      }
    }
    return login();
  };

  return {
    async accessToken() {
      if (inFlight !== null) return (await inFlight).accessToken;
      return tokens?.accessToken ?? (await obtain(login)).accessToken;
    },
    async renew(stale) {
      if (inFlight !== null) {
        await inFlight;
        return;
      }
      // Another caller renewed since `stale` was handed out.
      if (tokens !== null && tokens.accessToken !== stale) return;
      await obtain(refreshOrLogin);
    },
  };
}
