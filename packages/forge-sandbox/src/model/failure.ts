/** An answer the sandbox gives instead of the record asked for: the forge's status and body. */
export interface Failure {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (failure: Failure): Outcome<never> => ({ ok: false, failure });
