import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NonRetryableError, type Project, type ProtocolRun, runBranchName } from '@tundra/core';
import type { Logger } from 'pino';
import { GitError, git } from './git.js';

/** A run's checkout: where it is, which branch it is on, and the project clone it belongs to. */
export interface Worktree {
  projectId: string;
  runId: string;
  path: string;
  branch: string;
  /** The project's bare clone, shared by all its runs. */
  repoDir: string;
}

export interface CommitStepInput {
  /** The Taiga item's ref, for the `TG-<ref>:` subject. */
  ref: number;
  stepRunId: string;
  title: string;
  /**
   * HEAD before the engine ran. An engine that committed by itself leaves nothing to stage; HEAD having moved
   * still means the step changed something, and an empty commit then carries the step's trailer.
   */
  since?: string;
}

export interface CommitStepResult {
  sha: string;
  changed: boolean;
}

export type WorkspaceProject = Pick<Project, 'id' | 'repository'> & Partial<Pick<Project, 'delivery'>>;
export type WorkspaceRun = Pick<ProtocolRun, 'id' | 'taigaItem' | 'title' | 'branch'>;

export interface WorkspaceManager {
  /** The run's worktree, created on first use from a freshly fetched `origin/<baseBranch>`; idempotent. */
  ensureWorktree(project: WorkspaceProject, run: WorkspaceRun): Promise<Worktree>;
  /** Discards what an earlier, crashed attempt left uncommitted, so a retry starts from the last commit. */
  prepareForAttempt(worktree: Worktree): Promise<void>;
  /** The commit the worktree is at. */
  head(worktree: Worktree): Promise<string>;
  /** Stages everything and commits it as the step's commit (subject `TG-<ref>: <title>`, `Tundra-Step` trailer). */
  commitStep(worktree: Worktree, input: CommitStepInput): Promise<CommitStepResult>;
  /** The branch's commit carrying the step's trailer, if an earlier attempt made one. */
  findStepCommit(worktree: Worktree, stepRunId: string): Promise<string | null>;
  /**
   * Pushes the run's branch to a remote name of the clone or a URL; returns the pushed commit. `env` carries the
   * forge token for this one git process (`gitAuthEnv`), never written to the clone.
   */
  push(worktree: Worktree, remote: string, env?: Record<string, string>): Promise<string>;
  /** Removes the run's worktree (its branch stays in the clone); nothing to do when it is gone already. */
  removeWorktree(project: Pick<Project, 'id'>, run: Pick<ProtocolRun, 'id'>): Promise<void>;
}

export interface WorkspaceManagerOptions {
  /** Where clones and worktrees live: `<root>/<projectId>/repo.git` and `<root>/<projectId>/runs/<runId>`. */
  root: string;
  gitAuthor: { name: string; email: string };
  logger: Logger;
  /**
   * The environment a fetch of the project's repository needs (a forge token for pull-request delivery, given to
   * that one git process); throws when the project's token is not there.
   */
  remoteEnv?: (project: WorkspaceProject) => Record<string, string>;
}

/** The repository refused the credentials (a missing, bad or revoked token): no retry helps. */
export class WorkspaceAuthError extends NonRetryableError {
  readonly code = 'WORKSPACE_AUTH';
}

const authFailure =
  /could not read Username|Authentication failed|returned error: (401|403)|terminal prompts disabled|Invalid username or password/i;

/** The project's repository or base branch cannot be used: retrying will not help until the project changes. */
export class WorkspaceConfigError extends NonRetryableError {
  readonly code = 'WORKSPACE_CONFIG';
}

export const stepTrailer = 'Tundra-Step';

/** A clone URL as git wants it: URLs and `user@host:path` stay, a local path becomes absolute. */
function remoteUrl(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\s]+@[^/\s]+:/.test(url) ? url : resolve(url);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createWorkspaceManager(options: WorkspaceManagerOptions): WorkspaceManager {
  const root = resolve(options.root);
  const { logger } = options;
  const authorEnv = {
    GIT_AUTHOR_NAME: options.gitAuthor.name,
    GIT_AUTHOR_EMAIL: options.gitAuthor.email,
    GIT_COMMITTER_NAME: options.gitAuthor.name,
    GIT_COMMITTER_EMAIL: options.gitAuthor.email,
  };
  const projectDir = (projectId: string) => join(root, projectId);
  const repoDir = (projectId: string) => join(projectDir(projectId), 'repo.git');
  const worktreePath = (projectId: string, runId: string) => join(projectDir(projectId), 'runs', runId);

  // Operations on a project's clone (fetch, adding and removing worktrees) run one at a time per project in this
  // process: git takes locks on the shared refs and fails, rather than waits, when two commands collide.
  const queues = new Map<string, Promise<unknown>>();
  const serialized = <T>(projectId: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(projectId) ?? Promise.resolve();
    const next = previous.then(work, work);
    queues.set(
      projectId,
      next.catch(() => undefined),
    );
    return next;
  };

  const refExists = async (cwd: string, ref: string) =>
    (await git(['show-ref', '--verify', '--quiet', ref], { cwd, okExitCodes: [1] })).exitCode === 0;

  const headOf = async (cwd: string) => (await git(['rev-parse', 'HEAD'], { cwd })).stdout.trim();

  /** The project's bare clone with `origin` pointing at the repository, created on first use. */
  async function ensureClone(project: WorkspaceProject): Promise<string> {
    const dir = repoDir(project.id);
    const url = remoteUrl(project.repository.url);
    if (!existsSync(join(dir, 'HEAD'))) {
      await mkdir(projectDir(project.id), { recursive: true });
      // Built aside and renamed into place: a crash half-way leaves a stray temporary, never a broken clone.
      const building = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
      await git(['init', '--bare', '--quiet', building], { cwd: projectDir(project.id) });
      await git(['remote', 'add', 'origin', url], { cwd: building });
      // Worktrees come and go; an automatic gc in the middle of a step's commit is not wanted.
      await git(['config', 'gc.auto', '0'], { cwd: building });
      try {
        await rename(building, dir);
      } catch (error) {
        await rm(building, { recursive: true, force: true });
        if (!existsSync(join(dir, 'HEAD'))) throw error;
      }
      logger.info({ projectId: project.id, repoDir: dir }, 'project clone created');
    } else {
      // Rewritten only when the project's repository changed: the clone's config is shared by every worktree and
      // by the QA app's process, and git refuses (config.lock) rather than waits when two write it at once.
      const current = (await git(['remote', 'get-url', 'origin'], { cwd: dir })).stdout.trim();
      if (current !== url) await git(['remote', 'set-url', 'origin', url], { cwd: dir });
    }
    return dir;
  }

  return {
    ensureWorktree: (project, run) =>
      serialized(project.id, async () => {
        const path = worktreePath(project.id, run.id);
        const branch = run.branch ?? runBranchName(project.id, run.taigaItem.ref, run.title);
        const repo = await ensureClone(project);
        const worktree: Worktree = { projectId: project.id, runId: run.id, path, branch, repoDir: repo };
        if (existsSync(join(path, '.git'))) {
          // The branch it was created on, even if the run's title (which names new branches) changed since.
          const current = (await git(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: path })).stdout.trim();
          return { ...worktree, branch: current };
        }
        if (existsSync(path)) {
          // A worktree whose creation was cut short: start it again.
          await rm(path, { recursive: true, force: true });
        }
        await git(['worktree', 'prune'], { cwd: repo });
        const env = options.remoteEnv?.(project) ?? {};
        try {
          await git(['fetch', '--prune', '--quiet', 'origin'], { cwd: repo, env });
        } catch (error) {
          if (error instanceof GitError && authFailure.test(error.stderr))
            throw new WorkspaceAuthError(
              `${project.repository.url} refused the credentials: ${error.stderr.trim().split('\n').at(-1) ?? ''}`,
              { cause: error },
            );
          throw error;
        }
        const base = project.repository.baseBranch;
        let add: string[];
        if (await refExists(repo, `refs/heads/${branch}`)) {
          // An earlier run of the same item left its branch: carry on from it.
          add = [path, branch];
        } else if (await refExists(repo, `refs/remotes/origin/${branch}`)) {
          add = ['--no-track', '-b', branch, path, `origin/${branch}`];
        } else if (await refExists(repo, `refs/remotes/origin/${base}`)) {
          add = ['--no-track', '-b', branch, path, `origin/${base}`];
        } else {
          throw new WorkspaceConfigError(
            `project ${project.id}: branch '${base}' does not exist in ${project.repository.url}`,
          );
        }
        await mkdir(join(projectDir(project.id), 'runs'), { recursive: true });
        await git(['worktree', 'add', '--quiet', ...add], { cwd: repo });
        logger.info({ projectId: project.id, protocolRunId: run.id, branch, path }, 'worktree created');
        return worktree;
      }),

    async prepareForAttempt(worktree) {
      await git(['reset', '--quiet', '--hard', 'HEAD'], { cwd: worktree.path });
      await git(['clean', '-q', '-fdx'], { cwd: worktree.path });
    },

    head: (worktree) => headOf(worktree.path),

    async commitStep(worktree, input) {
      const cwd = worktree.path;
      await git(['add', '--all'], { cwd });
      const staged = (await git(['diff', '--cached', '--quiet'], { cwd, okExitCodes: [1] })).exitCode === 1;
      const head = await headOf(cwd);
      if (!staged && (input.since === undefined || input.since === head))
        return { sha: head, changed: false };
      const title = input.title.replace(/\s+/g, ' ').trim().slice(0, 200);
      // --no-verify: the checks that matter are QA's, run on the commit; a repository's local hooks are not.
      await git(
        [
          'commit',
          '--quiet',
          '--no-verify',
          '--allow-empty',
          '-m',
          `TG-${input.ref}: ${title}`,
          '-m',
          `${stepTrailer}: ${input.stepRunId}`,
        ],
        { cwd, env: authorEnv },
      );
      return { sha: await headOf(cwd), changed: true };
    },

    async findStepCommit(worktree, stepRunId) {
      const { stdout } = await git(
        [
          'log',
          '-n',
          '1',
          '--format=%H',
          '--extended-regexp',
          `--grep=^${stepTrailer}: ${escapeRegex(stepRunId)}$`,
          'HEAD',
        ],
        { cwd: worktree.path },
      );
      return stdout.trim() || null;
    },

    async push(worktree, remote, env = {}) {
      const sha = await headOf(worktree.path);
      try {
        await git(['push', '--quiet', remote, `${sha}:refs/heads/${worktree.branch}`], {
          cwd: worktree.path,
          env,
        });
      } catch (error) {
        if (error instanceof GitError && authFailure.test(error.stderr))
          throw new WorkspaceAuthError(`${remote} refused the credentials`, { cause: error });
        throw error;
      }
      logger.info({ protocolRunId: worktree.runId, branch: worktree.branch, sha }, 'branch pushed');
      return sha;
    },

    removeWorktree: (project, run) =>
      serialized(project.id, async () => {
        const path = worktreePath(project.id, run.id);
        const repo = repoDir(project.id);
        if (existsSync(join(repo, 'HEAD'))) {
          if (existsSync(path)) {
            await git(['worktree', 'remove', '--force', '--force', path], { cwd: repo, okExitCodes: [128] });
          }
          await git(['worktree', 'prune'], { cwd: repo });
        }
        await rm(path, { recursive: true, force: true });
        logger.info({ projectId: project.id, protocolRunId: run.id }, 'worktree removed');
      }),
  };
}
