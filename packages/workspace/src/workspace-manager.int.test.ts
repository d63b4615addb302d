import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitRemote, runGit } from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceManager, type WorkspaceManager, type WorkspaceRun } from './workspace-manager.js';

let dir: string;
let origin: string;
let workspaces: WorkspaceManager;

const run = runGit;

const createOrigin = (name: string) => createGitRemote(dir, name);

let nextRun = 1;
function newRun(title = 'Add a login page!'): WorkspaceRun {
  const n = nextRun++;
  return {
    id: `run_test${String(n).padStart(8, '0')}`,
    taigaItem: { type: 'userstory', id: n, ref: 40 + n },
    title,
    branch: null,
  };
}

const project = () => ({ id: 'demo', repository: { url: origin, baseBranch: 'main', pushRemote: 'origin' } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tundra-ws-test-'));
  origin = createOrigin('origin');
  workspaces = createWorkspaceManager({
    root: join(dir, 'workspaces'),
    gitAuthor: { name: 'Tundra', email: 'tundra@example.test' },
    logger: pino({ level: 'silent' }),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WorkspaceManager', () => {
  it('creates a worktree on a run branch from origin/<baseBranch>, and returns the same one again', async () => {
    const r = newRun();
    const first = await workspaces.ensureWorktree(project(), r);
    expect(first.path).toBe(join(dir, 'workspaces', 'demo', 'runs', r.id));
    expect(first.branch).toBe(`tundra/demo/${r.taigaItem.ref}-add-a-login-page`);
    expect(run(first.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(first.branch);
    expect(run(first.path, 'rev-parse', 'HEAD')).toBe(run(origin, 'rev-parse', 'main'));
    expect(existsSync(join(first.path, 'README.md'))).toBe(true);

    writeFileSync(join(first.path, 'work.txt'), 'in progress\n');
    const again = await workspaces.ensureWorktree(project(), r);
    expect(again).toEqual(first);
    expect(existsSync(join(first.path, 'work.txt'))).toBe(true);
  });

  it("finds a run's worktree while another process writes the clone's config (it does not write it again)", async () => {
    const r = newRun('shared config');
    const first = await workspaces.ensureWorktree(project(), r);
    // Another process (the QA app, another executor) holds the shared config's lock, as git does while writing it.
    const lock = join(first.repoDir, 'config.lock');
    writeFileSync(lock, '');
    try {
      expect(await workspaces.ensureWorktree(project(), r)).toEqual(first);
    } finally {
      rmSync(lock);
    }
  });

  it('creates worktrees of several runs at once', async () => {
    const runs = [newRun('one'), newRun('two'), newRun('three')];
    const trees = await Promise.all(runs.map((r) => workspaces.ensureWorktree(project(), r)));
    expect(new Set(trees.map((t) => t.branch)).size).toBe(3);
  });

  it('commits a step with its trailer, reports no-change commits, and finds the step commit', async () => {
    const r = newRun('Commit things');
    const tree = await workspaces.ensureWorktree(project(), r);
    const before = await workspaces.head(tree);
    expect(await workspaces.findStepCommit(tree, 'step_aaaaaaaa')).toBeNull();

    writeFileSync(join(tree.path, 'feature.txt'), 'feature\n');
    const committed = await workspaces.commitStep(tree, {
      ref: 7,
      stepRunId: 'step_aaaaaaaa',
      title: 'Add\nfeature',
    });
    expect(committed.changed).toBe(true);
    expect(committed.sha).not.toBe(before);
    expect(run(tree.path, 'log', '-1', '--format=%B').trim()).toBe(
      'TG-7: Add feature\n\nTundra-Step: step_aaaaaaaa',
    );
    expect(run(tree.path, 'log', '-1', '--format=%an <%ae>')).toBe('Tundra <tundra@example.test>');
    expect(run(tree.path, 'log', '-1', '--format=%(trailers:key=Tundra-Step,valueonly)').trim()).toBe(
      'step_aaaaaaaa',
    );

    const unchanged = await workspaces.commitStep(tree, {
      ref: 7,
      stepRunId: 'step_bbbbbbbb',
      title: 'Nothing',
    });
    expect(unchanged).toEqual({ sha: committed.sha, changed: false });

    expect(await workspaces.findStepCommit(tree, 'step_aaaaaaaa')).toBe(committed.sha);
    // A step id that is a prefix of another's does not match it.
    expect(await workspaces.findStepCommit(tree, 'step_aaaa')).toBeNull();
    expect(await workspaces.findStepCommit(tree, 'step_bbbbbbbb')).toBeNull();
  });

  it('marks a step whose engine committed by itself with an empty trailer commit', async () => {
    const tree = await workspaces.ensureWorktree(project(), newRun('Self committing'));
    const since = await workspaces.head(tree);
    writeFileSync(join(tree.path, 'by-engine.txt'), 'x\n');
    run(tree.path, 'add', '.');
    run(tree.path, 'commit', '--quiet', '-m', 'engine commit');
    const marked = await workspaces.commitStep(tree, {
      ref: 1,
      stepRunId: 'step_cccccccc',
      since,
      title: 'Engine',
    });
    expect(marked.changed).toBe(true);
    expect(await workspaces.findStepCommit(tree, 'step_cccccccc')).toBe(marked.sha);
    expect(run(tree.path, 'rev-list', '--count', `${since}..HEAD`)).toBe('2');
  });

  it('discards what a crashed attempt left uncommitted, ignored files included', async () => {
    const tree = await workspaces.ensureWorktree(project(), newRun('Crashy'));
    writeFileSync(join(tree.path, '.gitignore'), 'build/\n');
    await workspaces.commitStep(tree, { ref: 1, stepRunId: 'step_dddddddd', title: 'ignore build' });
    writeFileSync(join(tree.path, 'README.md'), 'half-edited\n');
    writeFileSync(join(tree.path, 'junk.txt'), 'junk\n');
    execFileSync('mkdir', ['-p', join(tree.path, 'build')]);
    writeFileSync(join(tree.path, 'build', 'out.bin'), 'bin\n');
    await workspaces.prepareForAttempt(tree);
    expect(run(tree.path, 'status', '--porcelain', '--ignored')).toBe('');
    expect(existsSync(join(tree.path, 'junk.txt'))).toBe(false);
    expect(existsSync(join(tree.path, 'build'))).toBe(false);
  });

  it('pushes the run branch to the remote', async () => {
    const tree = await workspaces.ensureWorktree(project(), newRun('Push me'));
    writeFileSync(join(tree.path, 'pushed.txt'), 'pushed\n');
    const { sha } = await workspaces.commitStep(tree, { ref: 3, stepRunId: 'step_eeeeeeee', title: 'push' });
    expect(await workspaces.push(tree, 'origin')).toBe(sha);
    expect(run(origin, 'rev-parse', `refs/heads/${tree.branch}`)).toBe(sha);

    // A URL works as well as a remote name.
    const mirror = createOrigin('mirror');
    expect(await workspaces.push(tree, mirror)).toBe(sha);
    expect(run(mirror, 'rev-parse', `refs/heads/${tree.branch}`)).toBe(sha);
  });

  it("keeps two projects on the same repository off each other's branches", async () => {
    const shared = createOrigin('shared');
    const on = (id: string) => ({
      id,
      repository: { url: shared, baseBranch: 'main', pushRemote: 'origin' },
    });
    // The same ref and subject in two Taiga projects: without the project in the branch name, the second run would
    // carry on from the first one's branch and push onto it.
    const item = { type: 'userstory' as const, id: 1, ref: 1 };
    const trees = [];
    for (const projectId of ['shop', 'shop-eu']) {
      const r = { ...newRun('Fix checkout'), taigaItem: item };
      const tree = await workspaces.ensureWorktree(on(projectId), r);
      writeFileSync(join(tree.path, `${projectId}.txt`), `${projectId}\n`);
      await workspaces.commitStep(tree, {
        ref: 1,
        stepRunId: `step_${projectId.replace('-', '')}00`,
        title: projectId,
      });
      await workspaces.push(tree, 'origin');
      trees.push(tree);
    }
    expect(trees.map((t) => t.branch)).toEqual([
      'tundra/shop/1-fix-checkout',
      'tundra/shop-eu/1-fix-checkout',
    ]);
    for (const tree of trees) {
      const files = run(shared, 'ls-tree', '--name-only', `refs/heads/${tree.branch}`).split('\n');
      expect(files.filter((f) => f.startsWith('shop'))).toEqual([`${tree.projectId}.txt`]);
    }
  });

  it('fetches before a new run and starts from the newest base', async () => {
    const pusher = join(dir, 'pusher');
    run(dir, 'clone', '--quiet', origin, pusher);
    writeFileSync(join(pusher, 'new.txt'), 'new\n');
    run(pusher, 'add', '.');
    run(pusher, 'commit', '--quiet', '-m', 'newer base');
    run(pusher, 'push', '--quiet', 'origin', 'main');
    const tree = await workspaces.ensureWorktree(project(), newRun('After push'));
    expect(await workspaces.head(tree)).toBe(run(origin, 'rev-parse', 'main'));
  });

  it('refuses a base branch that does not exist', async () => {
    const bad = { id: 'demo', repository: { url: origin, baseBranch: 'nope', pushRemote: null } };
    await expect(workspaces.ensureWorktree(bad, newRun())).rejects.toThrow(/branch 'nope' does not exist/);
  });

  it('removes a worktree, and removing it again does nothing', async () => {
    const r = newRun('Remove me');
    const tree = await workspaces.ensureWorktree(project(), r);
    writeFileSync(join(tree.path, 'dirty.txt'), 'dirty\n');
    await workspaces.removeWorktree(project(), r);
    expect(existsSync(tree.path)).toBe(false);
    expect(run(tree.repoDir, 'worktree', 'list')).not.toContain(r.id);
    await workspaces.removeWorktree(project(), r);
    // The branch stays, so a later worktree for the run continues from it.
    const again = await workspaces.ensureWorktree(project(), r);
    expect(again.branch).toBe(tree.branch);
  });
});
