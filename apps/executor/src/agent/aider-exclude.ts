import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const pattern = '.aider*';

/**
 * aider adds `.aider*` to the repository's `.gitignore` when it finds its files not ignored, and that line would be
 * committed with the step. Ignoring them in the worktree's own exclude file (`info/exclude`, which git keeps outside
 * the tree) first keeps the repository's `.gitignore` as the team wrote it.
 */
export async function excludeAiderFiles(worktree: string): Promise<void> {
  const { stdout } = await run('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: worktree });
  const path = resolve(worktree, stdout.trim());
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current.split('\n').includes(pattern)) return;
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${current === '' || current.endsWith('\n') ? '' : '\n'}${pattern}\n`, 'utf8');
}
