import { randomBytes } from 'node:crypto';
import {
  type AccessLevel,
  type CiRunRecord,
  type CommentRecord,
  emptyState,
  type ForgeKind,
  type ForgeState,
  type PullRecord,
  type RepoRecord,
  type TokenRecord,
  type UserRecord,
} from './types.js';

/** One forge's records, in memory; `snapshot`/`restore` carry them across restarts. */
export class ForgeStore {
  state: ForgeState = emptyState();

  constructor(
    readonly kind: ForgeKind,
    /** Where this forge's bare repositories live (`GIT_PROJECT_ROOT`). */
    readonly reposRoot: string,
    /** The time records are stamped with (tests move it instead of waiting for the clock). */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  id(): number {
    this.state.nextId += 1;
    return this.state.nextId;
  }

  now(): string {
    // Both forges stamp records to the second.
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  user(id: number): UserRecord {
    const user = this.state.users.find((candidate) => candidate.id === id);
    if (!user) throw new Error(`the sandbox has no user ${id}`);
    return user;
  }

  userByLogin(login: string): UserRecord | undefined {
    return this.state.users.find((user) => user.login.toLowerCase() === login.toLowerCase());
  }

  ensureUser(login: string): UserRecord {
    const existing = this.userByLogin(login);
    if (existing) return existing;
    const user = { id: this.id(), login, name: login, email: `${login}@users.sandbox.invalid` };
    this.state.users.push(user);
    return user;
  }

  token(value: string): TokenRecord | undefined {
    return this.state.tokens.find((token) => token.value === value);
  }

  issueToken(userId: number, access: TokenRecord['access'], value?: string): TokenRecord {
    const prefix = this.kind === 'github' ? 'github_pat_' : 'glpat-';
    const token = {
      value: value ?? `${prefix}${randomBytes(18).toString('hex')}`,
      userId,
      access,
      revoked: false,
    };
    this.state.tokens.push(token);
    return token;
  }

  repoByName(fullName: string): RepoRecord | undefined {
    return this.state.repos.find((repo) => repo.fullName.toLowerCase() === fullName.toLowerCase());
  }

  repoById(id: number): RepoRecord | undefined {
    return this.state.repos.find((repo) => repo.id === id);
  }

  /** What `userId` may do on `repo`: its role there, capped by the token's own access. */
  access(repo: RepoRecord, userId: number, token?: TokenRecord): AccessLevel {
    const role = repo.members[userId] ?? 'none';
    if (!token) return role;
    const order = ['none', 'read', 'write', 'admin'] as const;
    return order[Math.min(order.indexOf(role), order.indexOf(token.access))]!;
  }

  pulls(repoId: number): PullRecord[] {
    return this.state.pulls.filter((pull) => pull.repoId === repoId);
  }

  pull(repoId: number, number: number): PullRecord | undefined {
    return this.state.pulls.find((pull) => pull.repoId === repoId && pull.number === number);
  }

  /** The next per-repository number: GitHub shares it between issues and pull requests, GitLab counts MRs. */
  nextNumber(repoId: number): number {
    return this.pulls(repoId).reduce((max, pull) => Math.max(max, pull.number), 0) + 1;
  }

  comments(repoId: number, number: number): CommentRecord[] {
    return this.state.comments.filter((comment) => comment.repoId === repoId && comment.number === number);
  }

  ciRuns(repoId: number): CiRunRecord[] {
    return this.state.ciRuns.filter((run) => run.repoId === repoId);
  }

  snapshot(): ForgeState {
    return structuredClone(this.state);
  }

  restore(state: ForgeState): void {
    this.state = structuredClone(state);
  }
}
