import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { usageError } from './errors.js';
import { type Io, Output } from './output.js';

export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  projectToken?: string;
  json?: boolean;
}

/** What every command works with: the API client built from flags and environment, and the output. */
export interface CommandContext {
  api: ApiClient;
  out: Output;
  env: Record<string, string | undefined>;
  /** The admin token, for servers other than the API (the ingester). */
  token: string | undefined;
}

export const defaultApiUrl = 'http://127.0.0.1:8081';

export function contextOf(command: Command, io: Io, env: Record<string, string | undefined>): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const token = options.token ?? env.TUNDRA_API_TOKEN;
  const projectToken = options.projectToken ?? env.TUNDRA_PROJECT_TOKEN;
  if (!token && !projectToken) {
    throw usageError(
      'no API token: pass --token or set TUNDRA_API_TOKEN (or a project token: TUNDRA_PROJECT_TOKEN)',
    );
  }
  return {
    api: new ApiClient({
      baseUrl: options.apiUrl ?? env.TUNDRA_API_URL ?? defaultApiUrl,
      token,
      projectToken,
    }),
    out: new Output(io, options.json === true),
    env,
    token,
  };
}

/** Registers a command's action with its context; commander passes the arguments, then options, then itself. */
export function withContext<A extends unknown[]>(
  io: Io,
  env: Record<string, string | undefined>,
  action: (ctx: CommandContext, ...args: A) => Promise<void>,
) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    await action(contextOf(command, io, env), ...(args.slice(0, -1) as A));
  };
}

/** A fresh idempotency key unless the operator gave one (give the same one to retry an action safely). */
export function idempotencyKey(given: string | undefined): string {
  return given ?? `cli-${crypto.randomUUID()}`;
}
