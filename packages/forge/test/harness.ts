import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createForgeSandbox, type ForgeHandle, type ForgeSandbox } from '@tundra/forge-sandbox';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  createForgeMetrics,
  createGithubClient,
  createGitlabClient,
  type Forge,
  type ForgeClient,
  type ForgeMetrics,
} from '../src/index.js';

export const repoName = 'acme/widgets';
/** A budget short enough for tests, long enough to wait out a 1-2 s rate limit. */
export const testPolicy = { maxAttempts: 4, maxTotalMs: 5_000, timeoutMs: 5_000 };

export interface ForgeFixture {
  forge: Forge;
  sandbox: ForgeSandbox;
  handle: ForgeHandle;
  botToken: string;
  registry: Registry;
  metrics: ForgeMetrics;
  /** Moves the sandbox's clock forward (forge times have one-second resolution). */
  advanceClock(ms: number): void;
  /** Everything the clients logged, as JSON lines. */
  logLines: string[];
  client(token?: string): ForgeClient;
  /** A clone of the repository with a new commit on `branch` (not pushed); returns its path. */
  workClone(branch: string, file?: string): string;
  stop(): Promise<void>;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bot',
  GIT_AUTHOR_EMAIL: 'bot@x.invalid',
  GIT_COMMITTER_NAME: 'Bot',
  GIT_COMMITTER_EMAIL: 'bot@x.invalid',
};
export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/** A sandbox with `acme/widgets`, the bot (write token), alice (write), and mallory (no access). */
export async function startForgeFixture(forge: Forge): Promise<ForgeFixture> {
  const clock = { offsetMs: 0 };
  const sandbox = await createForgeSandbox({ clock: () => new Date(Date.now() + clock.offsetMs) });
  const handle = forge === 'github' ? sandbox.github : sandbox.gitlab;
  await handle.createRepository({ fullName: repoName });
  handle.addMember(repoName, 'tundra-bot', 'write');
  handle.addMember(repoName, 'alice', 'write');
  handle.issueToken('mallory', 'read');
  const botToken = handle.issueToken('tundra-bot', 'write');
  const registry = new Registry();
  const metrics = createForgeMetrics(registry);
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const dirs: string[] = [];
  return {
    forge,
    sandbox,
    handle,
    botToken,
    registry,
    metrics,
    logLines,
    advanceClock(ms) {
      clock.offsetMs += ms;
    },
    client(token = botToken) {
      return forge === 'github'
        ? createGithubClient({
            repo: repoName,
            token,
            apiUrl: handle.apiUrl,
            metrics,
            logger,
            retry: testPolicy,
            writePacingMs: { writes: 0, notifications: 0 },
          })
        : createGitlabClient({ repo: repoName, token, url: handle.url, metrics, logger, retry: testPolicy });
    },
    workClone(branch, file = 'feature.txt') {
      const dir = mkdtempSync(join(tmpdir(), 'forge-work-'));
      dirs.push(dir);
      // The seed clone reads over a local path: the test's own access, not the bot's token.
      git(dir, 'clone', '--quiet', handle.repoDir(repoName), 'clone');
      const clone = join(dir, 'clone');
      git(clone, 'checkout', '--quiet', '-b', branch);
      writeFileSync(join(clone, file), `${branch}\n`);
      git(clone, 'add', '.');
      git(clone, 'commit', '--quiet', '-m', `Change on ${branch}`);
      return clone;
    },
    async stop() {
      await sandbox.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
