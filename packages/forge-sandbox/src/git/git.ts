import { execFile } from 'node:child_process';

export interface Identity {
  name: string;
  email: string;
}

/** Runs git without a shell in `cwd`, as `identity` when it commits; resolves stdout (trimmed) and the exit code. */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: { identity?: Identity; okExitCodes?: readonly number[] } = {},
): Promise<{ stdout: string; exitCode: number }> {
  const identity = options.identity ?? { name: 'Forge sandbox', email: 'sandbox@forge.invalid' };
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          LC_ALL: 'C',
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: identity.name,
          GIT_AUTHOR_EMAIL: identity.email,
          GIT_COMMITTER_NAME: identity.name,
          GIT_COMMITTER_EMAIL: identity.email,
        },
      },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) {
          resolve({ stdout: stdout.trim(), exitCode });
        } else {
          reject(new Error(`git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim()}`));
        }
      },
    );
  });
}
