import { NonRetryableError } from '@tundra/core';
import { branchHead, createBareRepository } from './git/bare-repo.js';
import type { Fault, FaultInjector } from './http/faults.js';
import {
  addComment,
  addLineComment,
  type CiJobInput,
  editPull,
  type LineComment,
  mergePull,
  type OpsContext,
  type Refusal,
  type Result,
  replyInThread,
  reportCi,
  submitReview,
} from './model/operations.js';
import {
  type AccessLevel,
  type CiRunRecord,
  type CommentRecord,
  type ForgeKind,
  type PullRecord,
  type RepoRecord,
  type ReviewRecord,
  ReviewState,
} from './model/types.js';
import type { DeliveryRecord, WebhookDispatcher } from './webhooks/dispatcher.js';

/** An action a person took through the sandbox that the forge would have refused. */
export class ForgeSandboxRefusal extends NonRetryableError {
  readonly code = 'FORGE_SANDBOX_REFUSAL';
  constructor(readonly refusal: Refusal) {
    super(`the forge sandbox refused: ${refusal.reason}`);
  }
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new ForgeSandboxRefusal(result.refusal);
  return result.value;
}

/** What a person does on a pull request (or merge request) in the web UI: reviews, comments, merges, CI results. */
export interface ForgeActor {
  /** A review requesting changes, with comments on lines (GitLab: diff notes and the reviewer state). */
  requestChanges(repo: string, number: number, body: string, comments?: LineComment[]): ReviewRecord;
  approve(repo: string, number: number, body?: string): ReviewRecord;
  /** A review that only comments. */
  reviewComment(repo: string, number: number, body: string, comments?: LineComment[]): ReviewRecord;
  comment(repo: string, number: number, body: string): CommentRecord;
  /** A comment on a line that opens a thread of its own. */
  lineComment(repo: string, number: number, line: LineComment): CommentRecord;
  reply(repo: string, number: number, threadId: string, body: string): CommentRecord;
  merge(repo: string, number: number, method?: 'merge' | 'squash'): Promise<PullRecord>;
  close(repo: string, number: number): PullRecord;
  reopen(repo: string, number: number): PullRecord;
  /** A finished CI run on a branch's head (or `sha`): GitHub workflow run, check suite and check runs; GitLab pipeline and jobs. */
  reportCi(
    repo: string,
    input: { branch: string; sha?: string; name?: string; jobs: CiJobInput[] },
  ): Promise<CiRunRecord>;
}

export interface CreateRepositoryInput {
  /** `owner/name` (GitHub) or `group/project` (GitLab, subgroups allowed). */
  fullName: string;
  defaultBranch?: string;
  files?: Record<string, string>;
}

/** One forge of the sandbox: its URLs, its records and what tests and the demo may do to it. */
export interface ForgeHandle {
  readonly kind: ForgeKind;
  /** The web and git root: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** GitHub: `${url}/api/v3` (Octokit's `baseUrl`); GitLab: `${url}/api/v4` (gitbeaker takes `url` as `host`). */
  readonly apiUrl: string;
  createRepository(input: CreateRepositoryInput): Promise<RepoRecord>;
  /** The clone URL of a repository (no credentials in it). */
  cloneUrl(repo: string): string;
  /** The bare repository on disk (tests read it directly). */
  repoDir(repo: string): string;
  /** Makes a user if needed and gives it `role` on `repo`. */
  addMember(repo: string, login: string, role: Exclude<AccessLevel, 'none'>): void;
  /** A new token for `login` (created if needed), at most `access` on any repository. */
  issueToken(login: string, access: Exclude<AccessLevel, 'none'>, value?: string): string;
  revokeToken(value: string): void;
  addWebhook(repo: string, hook: { url: string; secret: string; events?: string[] }): number;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  actAs(login: string): ForgeActor;
  pull(repo: string, number: number): PullRecord;
  pulls(repo: string): PullRecord[];
  comments(repo: string, number: number): CommentRecord[];
  branchHead(repo: string, branch: string): Promise<string | null>;
  deliveries(): readonly DeliveryRecord[];
  /** Resolves once every webhook caused so far has been sent. */
  webhooksSent(): Promise<void>;
  /** Sends a delivery again with the same id and bytes, as "Redeliver" does. */
  redeliver(deliveryId: string): void;
}

export interface ForgeHandleDeps {
  kind: ForgeKind;
  url: string;
  apiUrl: string;
  ctx: OpsContext;
  faults: FaultInjector;
  dispatcher: WebhookDispatcher;
  /** Called after every change made through the handle, so a state file can be written. */
  changed(): void;
}

export function createForgeHandle(deps: ForgeHandleDeps): ForgeHandle {
  const { ctx } = deps;
  const store = ctx.store;
  const repoNamed = (fullName: string): RepoRecord => {
    const repo = store.repoByName(fullName);
    if (!repo) throw new Error(`the ${deps.kind} sandbox has no repository ${fullName}`);
    return repo;
  };
  const pullOf = (repo: RepoRecord, number: number): PullRecord => {
    const pull = store.pull(repo.id, number);
    if (!pull) throw new Error(`${repo.fullName} has no pull request ${number}`);
    return pull;
  };
  const after = <T>(value: T): T => {
    deps.changed();
    return value;
  };

  const actor = (login: string): ForgeActor => {
    const user = store.ensureUser(login);
    const on = (repoName: string, number: number) => {
      const repo = repoNamed(repoName);
      return { repo, pull: pullOf(repo, number) };
    };
    const review = (
      repoName: string,
      number: number,
      state: ReviewState,
      body: string,
      comments: LineComment[] = [],
    ) => {
      const { repo, pull } = on(repoName, number);
      return after(submitReview(ctx, repo, pull, user, { state, body, comments }));
    };
    return {
      requestChanges: (repo, number, body, comments) =>
        review(repo, number, ReviewState.ChangesRequested, body, comments),
      approve: (repo, number, body = '') => review(repo, number, ReviewState.Approved, body),
      reviewComment: (repo, number, body, comments) =>
        review(repo, number, ReviewState.Commented, body, comments),
      comment: (repoName, number, body) => {
        const { repo, pull } = on(repoName, number);
        return after(addComment(ctx, repo, pull, user, body));
      },
      lineComment: (repoName, number, line) => {
        const { repo, pull } = on(repoName, number);
        return after(addLineComment(ctx, repo, pull, user, line));
      },
      reply: (repoName, number, threadId, body) => {
        const { repo, pull } = on(repoName, number);
        return after(unwrap(replyInThread(ctx, repo, pull, user, threadId, body)));
      },
      merge: async (repoName, number, method) => {
        const { repo, pull } = on(repoName, number);
        return after(unwrap(await mergePull(ctx, repo, pull, user, { method })));
      },
      close: (repoName, number) => {
        const { repo, pull } = on(repoName, number);
        return after(unwrap(editPull(ctx, repo, pull, user, { state: 'closed' })));
      },
      reopen: (repoName, number) => {
        const { repo, pull } = on(repoName, number);
        return after(unwrap(editPull(ctx, repo, pull, user, { state: 'open' })));
      },
      reportCi: async (repoName, input) => {
        const repo = repoNamed(repoName);
        const sha = input.sha ?? (await branchHead(repo.dir, input.branch));
        if (sha === null) throw new Error(`${repoName} has no branch ${input.branch}`);
        return after(
          reportCi(ctx, repo, user, { sha, branch: input.branch, name: input.name, jobs: input.jobs }),
        );
      },
    };
  };

  return {
    kind: deps.kind,
    url: deps.url,
    apiUrl: deps.apiUrl,
    async createRepository(input) {
      if (!/^[\w.-]+(\/[\w.-]+)+$/.test(input.fullName))
        throw new Error(`not a repository path: ${input.fullName}`);
      if (store.repoByName(input.fullName)) throw new Error(`${input.fullName} exists already`);
      const parts = input.fullName.split('/');
      const owner = store.ensureUser(parts[0]!);
      const defaultBranch = input.defaultBranch ?? 'main';
      const dir = `${store.reposRoot}/${input.fullName}.git`;
      await createBareRepository(dir, { branch: defaultBranch, files: input.files, identity: owner });
      const repo: RepoRecord = {
        id: store.id(),
        fullName: input.fullName,
        owner: parts.slice(0, -1).join('/'),
        name: parts.at(-1)!,
        defaultBranch,
        dir,
        members: { [owner.id]: 'admin' },
        createdAt: store.now(),
      };
      store.state.repos.push(repo);
      return after(repo);
    },
    cloneUrl: (repo) => `${deps.url}/${repoNamed(repo).fullName}.git`,
    repoDir: (repo) => repoNamed(repo).dir,
    addMember(repo, login, role) {
      repoNamed(repo).members[store.ensureUser(login).id] = role;
      deps.changed();
    },
    issueToken(login, access, value) {
      return after(store.issueToken(store.ensureUser(login).id, access, value).value);
    },
    revokeToken(value) {
      const token = store.token(value);
      if (!token) throw new Error('no such token');
      token.revoked = true;
      deps.changed();
    },
    addWebhook(repo, hook) {
      const id = store.id();
      store.state.webhooks.push({
        id,
        repoId: repoNamed(repo).id,
        url: hook.url,
        secret: hook.secret,
        events: hook.events ?? [],
        active: true,
      });
      return after(id);
    },
    injectFault: (fault) => deps.faults.inject(fault),
    clearFaults: () => deps.faults.clear(),
    actAs: actor,
    pull: (repo, number) => structuredClone(pullOf(repoNamed(repo), number)),
    pulls: (repo) => structuredClone(store.pulls(repoNamed(repo).id)),
    comments: (repo, number) => structuredClone(store.comments(repoNamed(repo).id, number)),
    branchHead: (repo, branch) => branchHead(repoNamed(repo).dir, branch),
    deliveries: () => deps.dispatcher.deliveries(),
    webhooksSent: () => deps.dispatcher.idle(),
    redeliver: (id) => deps.dispatcher.redeliver(id),
  };
}
