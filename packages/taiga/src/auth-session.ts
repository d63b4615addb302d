import type { Logger } from 'pino';
import type { TokenSource } from './call-runner.js';
import { TaigaAuthError, TaigaValidationError } from './errors.js';

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
}

/**
 * The bot user's tokens. Logs in lazily; on renewal tries the refresh token first and logs in again when Taiga
 * refuses it. All callers share one login or refresh in flight, so a burst of 401s costs one round trip.
 */
export function createTaigaSession(deps: SessionDeps): TokenSource {
  let tokens: TaigaTokens | null = null;
  let inFlight: Promise<TaigaTokens> | null = null;

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
    return deps.login();
  };

  return {
    async accessToken() {
      if (inFlight !== null) return (await inFlight).accessToken;
      return tokens?.accessToken ?? (await obtain(deps.login)).accessToken;
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
