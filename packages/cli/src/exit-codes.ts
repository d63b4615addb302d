/** What `tundra` exits with, so scripts can tell failures apart. */
export const ExitCode = {
  Ok: 0,
  /** The API answered with an error not covered below, or could not be reached. */
  Error: 1,
  /** The command line was wrong (unknown command, missing argument, bad option value, no token). */
  Usage: 2,
  /** What was asked for does not exist (or the token may not see it). */
  NotFound: 3,
  /** The state does not allow the action, or the record changed meanwhile (HTTP 409/412). */
  Conflict: 4,
  /** The token is missing, wrong, or may not do this (HTTP 401/403). */
  Auth: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.Auth;
  if (status === 404) return ExitCode.NotFound;
  if (status === 409 || status === 412) return ExitCode.Conflict;
  return ExitCode.Error;
}
