import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Identity, runGit } from './git.js';

/** Creates a bare repository at `dir` whose `branch` holds one commit with `files` (a README by default). */
export async function createBareRepository(
  dir: string,
  options: { branch: string; files?: Record<string, string>; identity?: Identity },
): Promise<string> {
  await mkdir(dirname(dir), { recursive: true });
  await runGit(dirname(dir), ['init', '--quiet', '--bare', `--initial-branch=${options.branch}`, dir]);
  // Pushes over HTTP need receive-pack enabled for authenticated users; http-backend checks REMOTE_USER.
  await runGit(dir, ['config', 'http.receivepack', 'true']);
  const seed = await mkdtemp(join(tmpdir(), 'forge-seed-'));
  try {
    await runGit(seed, ['init', '--quiet', `--initial-branch=${options.branch}`]);
    const files = options.files ?? { 'README.md': '# Sandbox repository\n' };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(seed, path)), { recursive: true });
      await writeFile(join(seed, path), content);
    }
    await runGit(seed, ['add', '.']);
    await runGit(seed, ['commit', '--quiet', '-m', 'Initial commit'], { identity: options.identity });
    await runGit(seed, ['push', '--quiet', dir, `HEAD:refs/heads/${options.branch}`]);
    return (await runGit(seed, ['rev-parse', 'HEAD'])).stdout;
  } finally {
    await rm(seed, { recursive: true, force: true });
  }
}

/** Every branch of the repository and the commit it points at. */
export async function listBranches(dir: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(dir, [
    'for-each-ref',
    '--format=%(refname:lstrip=2) %(objectname)',
    'refs/heads',
  ]);
  const branches = new Map<string, string>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const space = line.lastIndexOf(' ');
    branches.set(line.slice(0, space), line.slice(space + 1));
  }
  return branches;
}

/** The commit a branch points at, or null when it does not exist. */
export async function branchHead(dir: string, branch: string): Promise<string | null> {
  const { stdout, exitCode } = await runGit(
    dir,
    ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
    {
      okExitCodes: [1],
    },
  );
  return exitCode === 0 ? stdout : null;
}

export async function deleteBranch(dir: string, branch: string): Promise<boolean> {
  const sha = await branchHead(dir, branch);
  if (sha === null) return false;
  await runGit(dir, ['update-ref', '-d', `refs/heads/${branch}`, sha]);
  return true;
}

export interface CommitInfo {
  sha: string;
  message: string;
  authorName: string;
  authorEmail: string;
  date: string;
}

export async function commitInfo(dir: string, sha: string): Promise<CommitInfo> {
  const { stdout } = await runGit(dir, ['show', '-s', '--format=%H%x00%an%x00%ae%x00%aI%x00%B', sha]);
  const [hash, authorName, authorEmail, date, message] = stdout.split('\0');
  return {
    sha: hash!,
    authorName: authorName!,
    authorEmail: authorEmail!,
    date: date!,
    message: message!.trim(),
  };
}

/** Commits on `head` not on `base`, oldest first. */
export async function commitsBetween(dir: string, base: string, head: string): Promise<string[]> {
  const { stdout } = await runGit(dir, ['rev-list', '--reverse', `${base}..${head}`]);
  return stdout.split('\n').filter(Boolean);
}

export type MergeOutcome = { kind: 'merged'; sha: string } | { kind: 'conflict' } | { kind: 'moved' };

/**
 * Merges `headSha` into branch `base` as the forge's merge button does: a merge commit with two parents, or one
 * squashed commit. The base moves with a compare-and-swap (`moved` when someone pushed meanwhile).
 */
export async function mergeIntoBase(
  dir: string,
  input: { base: string; headSha: string; method: 'merge' | 'squash'; message: string; identity: Identity },
): Promise<MergeOutcome> {
  const baseSha = await branchHead(dir, input.base);
  if (baseSha === null) return { kind: 'conflict' };
  const tree = await runGit(dir, ['merge-tree', '--write-tree', baseSha, input.headSha], {
    okExitCodes: [1],
  });
  if (tree.exitCode === 1) return { kind: 'conflict' };
  const treeSha = tree.stdout.split('\n')[0]!;
  const parents = input.method === 'merge' ? ['-p', baseSha, '-p', input.headSha] : ['-p', baseSha];
  const { stdout: sha } = await runGit(dir, ['commit-tree', treeSha, ...parents, '-m', input.message], {
    identity: input.identity,
  });
  const moved = await runGit(dir, ['update-ref', `refs/heads/${input.base}`, sha, baseSha], {
    okExitCodes: [128],
  });
  return moved.exitCode === 0 ? { kind: 'merged', sha } : { kind: 'moved' };
}
