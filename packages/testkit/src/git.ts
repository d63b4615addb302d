import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const identity = {
  GIT_AUTHOR_NAME: 'Tundra test',
  GIT_AUTHOR_EMAIL: 'test@tundra.invalid',
  GIT_COMMITTER_NAME: 'Tundra test',
  GIT_COMMITTER_EMAIL: 'test@tundra.invalid',
};

/** Runs real `git` with a fixed identity (a fresh machine has none configured); returns stdout, trimmed. */
export function runGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...identity } }).trim();
}

/** A bare repository in `dir` with one commit on `main`: a project's remote for tests, benchmarks and the demo. */
export function createGitRemote(dir: string, name = 'origin'): string {
  const seed = join(dir, `${name}-seed`);
  runGit(dir, 'init', '--quiet', '--initial-branch=main', seed);
  writeFileSync(join(seed, 'README.md'), '# Demo repository\n');
  runGit(seed, 'add', '.');
  runGit(seed, 'commit', '--quiet', '-m', 'Initial commit');
  const bare = join(dir, `${name}.git`);
  runGit(dir, 'clone', '--quiet', '--bare', seed, bare);
  return bare;
}
