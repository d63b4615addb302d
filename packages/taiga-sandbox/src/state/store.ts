import type {
  HistoryEntryRecord,
  IssueRecord,
  ItemKind,
  ItemRecord,
  MembershipRecord,
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
  WikiLinkRecord,
  WikiPageRecord,
} from './types.js';

type IdSequence =
  | 'user'
  | 'project'
  | 'membership'
  | 'role'
  | 'status'
  | 'namedValue'
  | 'points'
  | 'task'
  | 'userstory'
  | 'issue'
  | 'webhook'
  | 'webhookLog'
  | 'wikiPage'
  | 'wikiLink';

const tables = [
  'users',
  'projects',
  'roles',
  'statuses',
  'issueTypes',
  'priorities',
  'severities',
  'points',
  'tasks',
  'userStories',
  'issues',
  'history',
  'webhooks',
  'webhookLogs',
  'wikiPages',
  'wikiLinks',
] as const;

/** Every table and id sequence, as plain data (what a state file keeps). */
export type StoreSnapshot = Record<(typeof tables)[number], [unknown, unknown][]> & {
  sequences: [string, number][];
};

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
  readonly wikiPages = new Map<number, WikiPageRecord>();
  readonly wikiLinks = new Map<number, WikiLinkRecord>();
  private readonly sequences = new Map<IdSequence, number>();

  snapshot(): StoreSnapshot {
    const snapshot = { sequences: [...this.sequences] } as Partial<StoreSnapshot>;
    for (const table of tables) snapshot[table] = [...this[table]];
    return snapshot as StoreSnapshot;
  }

  /** Replaces everything held with a snapshot's records. */
  restore(snapshot: StoreSnapshot): void {
    for (const table of tables) {
      const map = this[table] as Map<unknown, unknown>;
      map.clear();
      // A state file written before a table existed has none of its records.
      for (const [key, value] of snapshot[table] ?? []) map.set(key, value);
    }
    this.sequences.clear();
    for (const [sequence, value] of snapshot.sequences) this.sequences.set(sequence as IdSequence, value);
    // A state file written before memberships had ids and dates: give them theirs.
    for (const project of this.projects.values()) {
      for (const member of project.members) {
        member.id ??= this.nextId('membership');
        member.createdAt ??= project.createdDate;
        member.invitedById ??= null;
      }
    }
  }

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

  /** Every membership of every project, with its project. */
  memberships(): { project: ProjectRecord; membership: MembershipRecord }[] {
    return [...this.projects.values()].flatMap((project) =>
      project.members.map((membership) => ({ project, membership })),
    );
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
