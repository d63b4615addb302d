import { execFile } from 'node:child_process';
import { TundraError } from '@tundra/core';

/** A git command failed. Retryable: most failures (a network error, a lock held by a crashed git) pass. */
export class GitError extends TundraError {
  readonly code = 'GIT_FAILED';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

export interface GitOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 from `diff --quiet`). */
  okExitCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  exitCode: number;
}

/**
 * Runs git without a shell. Prompts are off (a missing credential fails instead of hanging) and the output
 * language is fixed, so messages in errors are the same on every machine.
 */
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (exitCode !== null && (exitCode === 0 || options.okExitCodes?.includes(exitCode))) {
          resolve({ stdout, exitCode });
          return;
        }
        reject(new GitError(args, exitCode, stderr || String(error?.message)));
      },
    );
  });
}
