import { ExitCode, exitCodeForStatus } from './exit-codes.js';

/** A failure the CLI reports and exits on, with the exit code that says what kind it was. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The API's error body, printed as is with `--json`. */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The API answered with an error: `{error: {code, message, details}}`. */
export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
    body: unknown,
  ) {
    super(message, exitCodeForStatus(status), body);
    this.name = 'ApiRequestError';
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.Usage);
