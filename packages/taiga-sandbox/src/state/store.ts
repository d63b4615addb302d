import type {
  HistoryEntryRecord,
  IssueRecord,
  ItemKind,
  ItemRecord,
  NamedValueRecord,
  PointsRecord,
  ProjectRecord,
  RoleRecord,
  StatusKind,
  StatusRecord,
  TaskRecord,
  UserRecord,
  UserStoryRecord,
  WebhookLogRecord,
  WebhookRecord,
} from './types.js';

type IdSequence =
  | 'user'
  | 'project'
  | 'role'
  | 'status'
  | 'namedValue'
  | 'points'
  | 'task'
  | 'userstory'
  | 'issue'
  | 'webhook'
  | 'webhookLog';

/** Every record the sandbox holds, in memory, with Taiga-like auto-increment ids per table. */
export class SandboxStore {
  readonly users = new Map<number, UserRecord>();
  readonly projects = new Map<number, ProjectRecord>();
  readonly roles = new Map<number, RoleRecord>();
  readonly statuses = new Map<number, StatusRecord>();
  readonly issueTypes = new Map<number, NamedValueRecord>();
  readonly priorities = new Map<number, NamedValueRecord>();
  readonly severities = new Map<number, NamedValueRecord>();
  readonly points = new Map<number, PointsRecord>();
  readonly tasks = new Map<number, TaskRecord>();
  readonly userStories = new Map<number, UserStoryRecord>();
  readonly issues = new Map<number, IssueRecord>();
  /** history key (`tasks.task:1`) → entries, oldest first */
  readonly history = new Map<string, HistoryEntryRecord[]>();
  readonly webhooks = new Map<number, WebhookRecord>();
  readonly webhookLogs = new Map<number, WebhookLogRecord>();
  private readonly sequences = new Map<IdSequence, number>();

  nextId(sequence: IdSequence): number {
    const next = (this.sequences.get(sequence) ?? 0) + 1;
    this.sequences.set(sequence, next);
    return next;
  }

  userByUsername(username: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.username === username) return user;
    return undefined;
  }

  projectBySlug(slug: string): ProjectRecord | undefined {
    for (const project of this.projects.values()) if (project.slug === slug) return project;
    return undefined;
  }

  statusesOf(projectId: number, kind: StatusKind): StatusRecord[] {
    return [...this.statuses.values()]
      .filter((status) => status.projectId === projectId && status.kind === kind)
      .sort((a, b) => a.order - b.order || a.id - b.id);
  }

  rolesOf(projectId: number): RoleRecord[] {
    return [...this.roles.values()]
      .filter((role) => role.projectId === projectId)
      .sort((a, b) => a.order - b.order);
  }

  pointsOf(projectId: number): PointsRecord[] {
    return [...this.points.values()].filter((points) => points.projectId === projectId);
  }

  itemsOf(kind: ItemKind): Map<number, ItemRecord> {
    switch (kind) {
      case 'task':
        return this.tasks;
      case 'userstory':
        return this.userStories;
      case 'issue':
        return this.issues;
      default: {
        const exhaustive: never = kind;
        throw new Error(`unknown item kind ${String(exhaustive)}`);
      }
    }
  }

  historyOf(key: string): HistoryEntryRecord[] {
    let entries = this.history.get(key);
    if (!entries) {
      entries = [];
      this.history.set(key, entries);
    }
    return entries;
  }

  logsOf(webhookId: number): WebhookLogRecord[] {
    return [...this.webhookLogs.values()]
      .filter((log) => log.webhookId === webhookId)
      .sort((a, b) => b.created.getTime() - a.created.getTime() || b.id - a.id);
  }
}
