/** The records the sandbox keeps in memory: Taiga's models, reduced to the fields its serializers read. */

export interface UserRecord {
  id: number;
  username: string;
  password: string;
  fullName: string;
  email: string;
  color: string;
  uuid: string;
  gravatarId: string;
  dateJoined: Date;
  isActive: boolean;
}

export interface RoleRecord {
  id: number;
  projectId: number;
  name: string;
  slug: string;
  order: number;
  computable: boolean;
  permissions: readonly string[];
}

export interface MembershipRecord {
  id: number;
  userId: number;
  roleId: number;
  isAdmin: boolean;
  createdAt: Date;
  /** Who added the member (null for the owner). */
  invitedById: number | null;
}

/** Which status table a status belongs to (Taiga keeps one per item kind). */
export const StatusKind = {
  task: 'task',
  userStory: 'userStory',
  issue: 'issue',
  epic: 'epic',
} as const;
export type StatusKind = (typeof StatusKind)[keyof typeof StatusKind];

export interface StatusRecord {
  id: number;
  projectId: number;
  kind: StatusKind;
  name: string;
  slug: string;
  color: string;
  isClosed: boolean;
  isArchived: boolean;
  order: number;
  /** A user story status's WIP limit (Taiga's `wip_limit`), null when none. */
  wipLimit: number | null;
}

/** Issue types, priorities and severities: `{id, name, order, color}` per project. */
export interface NamedValueRecord {
  id: number;
  projectId: number;
  name: string;
  order: number;
  color: string;
}

export interface PointsRecord {
  id: number;
  projectId: number;
  name: string;
  order: number;
  value: number | null;
}

export interface ProjectRecord {
  id: number;
  name: string;
  slug: string;
  description: string;
  ownerId: number;
  createdDate: Date;
  modifiedDate: Date;
  isPrivate: boolean;
  /**
   * What a logged-in user who is no member may do in a public project (taiga-back's `public_permissions`); absent
   * on a private project, and on one saved before the sandbox knew public projects.
   */
  publicPermissions?: string[];
  members: MembershipRecord[];
  /** Taiga's per-project sequence shared by stories, tasks and issues. */
  lastRef: number;
}

export const ItemKind = {
  task: 'task',
  userStory: 'userstory',
  issue: 'issue',
} as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];

interface ItemBase {
  id: number;
  ref: number;
  projectId: number;
  ownerId: number;
  assignedTo: number | null;
  statusId: number;
  subject: string;
  description: string;
  tags: string[];
  watchers: number[];
  isBlocked: boolean;
  blockedNote: string;
  dueDate: string | null;
  dueDateReason: string;
  createdDate: Date;
  modifiedDate: Date;
  version: number;
}

export interface TaskRecord extends ItemBase {
  kind: typeof ItemKind.task;
  userStoryId: number | null;
  usOrder: number;
  taskboardOrder: number;
  isIocaine: boolean;
  finishedDate: Date | null;
}

export interface UserStoryRecord extends ItemBase {
  kind: typeof ItemKind.userStory;
  assignedUsers: number[];
  backlogOrder: number;
  sprintOrder: number;
  kanbanOrder: number;
  finishDate: Date | null;
  clientRequirement: boolean;
  teamRequirement: boolean;
  /** role id → points id */
  rolePoints: Record<string, number>;
}

export interface IssueRecord extends ItemBase {
  kind: typeof ItemKind.issue;
  typeId: number;
  priorityId: number;
  severityId: number;
  finishedDate: Date | null;
}

export type ItemRecord = TaskRecord | UserStoryRecord | IssueRecord;

/** Taiga's HistoryType choices. */
export const HistoryType = { change: 1, create: 2, delete: 3 } as const;
export type HistoryType = (typeof HistoryType)[keyof typeof HistoryType];

export type FieldDiff = Record<string, [unknown, unknown]>;

export interface CommentVersion {
  date: Date;
  comment: string;
  comment_html: string;
  user: { id: number };
}

export interface HistoryEntryRecord {
  id: string;
  projectId: number;
  /** `tasks.task:ID`, `userstories.userstory:ID`, `issues.issue:ID` */
  key: string;
  type: HistoryType;
  userId: number;
  userName: string;
  createdAt: Date;
  diff: FieldDiff;
  snapshot: Record<string, unknown> | null;
  /** id → display value, per field (users, status, user_story …), frozen when the entry was written */
  values: Record<string, Record<string, string>>;
  comment: string;
  commentHtml: string;
  deleteCommentDate: Date | null;
  deleteCommentUser: { pk: number; name: string } | null;
  commentVersions: CommentVersion[] | null;
  editCommentDate: Date | null;
  /**
   * taiga-back hides a change that only moved orders (`is_hidden_snapshot`): the history API does not list it and
   * no webhook goes out for it.
   */
  isHidden: boolean;
}

/** A wiki page: Markdown content under a slug unique in its project, with Taiga's `version`. */
export interface WikiPageRecord {
  id: number;
  projectId: number;
  slug: string;
  content: string;
  ownerId: number | null;
  lastModifierId: number | null;
  createdDate: Date;
  modifiedDate: Date;
  version: number;
}

/** A link in the wiki's sidebar: a title and the slug (`href`) of the page it opens. */
export interface WikiLinkRecord {
  id: number;
  projectId: number;
  title: string;
  href: string;
  order: number;
}

export interface WebhookRecord {
  id: number;
  projectId: number;
  name: string;
  url: string;
  key: string;
}

export interface WebhookLogRecord {
  id: number;
  webhookId: number;
  url: string;
  status: number;
  requestData: Record<string, unknown>;
  requestHeaders: Record<string, string>;
  responseData: string;
  responseHeaders: Record<string, string>;
  duration: number;
  created: Date;
}
