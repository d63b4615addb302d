import { createHash, randomUUID } from 'node:crypto';
import type { SandboxStore } from '../state/store.js';
import {
  epicStatusTemplates,
  issueStatusTemplates,
  issueTypeTemplates,
  pointsTemplates,
  priorityTemplates,
  roleTemplates,
  type StatusPreset,
  type StatusTemplate,
  severityTemplates,
  taskStatusTemplates,
  userStoryStatusTemplates,
} from '../state/templates.js';
import type {
  MembershipRecord,
  NamedValueRecord,
  ProjectRecord,
  StatusKind,
  UserRecord,
} from '../state/types.js';

export interface NewUser {
  username: string;
  password: string;
  fullName: string;
  color?: string;
}

/** A user as Taiga registers one: gravatar id from the e-mail, a uuid, active and verified. */
export function createUser(store: SandboxStore, spec: NewUser, now: Date): UserRecord {
  const email = `${spec.username}@example.local`;
  const user: UserRecord = {
    id: store.nextId('user'),
    username: spec.username,
    password: spec.password,
    fullName: spec.fullName,
    email,
    color: spec.color ?? '#55c656',
    uuid: randomUUID().replaceAll('-', ''),
    gravatarId: createHash('md5').update(email.toLowerCase()).digest('hex'),
    dateJoined: now,
    isActive: true,
  };
  store.users.set(user.id, user);
  return user;
}

function addStatuses(
  store: SandboxStore,
  projectId: number,
  kind: StatusKind,
  templates: readonly StatusTemplate[],
): void {
  templates.forEach((template, index) => {
    const id = store.nextId('status');
    store.statuses.set(id, {
      id,
      projectId,
      kind,
      name: template.name,
      slug: template.slug,
      color: template.color,
      isClosed: template.isClosed,
      isArchived: template.isArchived ?? false,
      order: index + 1,
      wipLimit: template.wipLimit ?? null,
    });
  });
}

function addNamedValues(
  store: SandboxStore,
  target: Map<number, NamedValueRecord>,
  projectId: number,
  templates: readonly { name: string; order: number; color: string }[],
): void {
  for (const template of templates) {
    const id = store.nextId('namedValue');
    target.set(id, { id, projectId, ...template });
  }
}

export interface NewProject {
  name: string;
  slug: string;
  description: string;
  owner: UserRecord;
  preset: StatusPreset;
  /** Makes the project public, with what a logged-in non-member may do (`comment_us`, `comment_task`, …). */
  publicPermissions?: string[];
}

/**
 * A project (private, unless `publicPermissions` makes it public) from Taiga's default scrum template (statuses from the preset, roles, points, issue types,
 * priorities, severities), with its owner as an admin member holding the Product Owner role.
 */
export function createProject(store: SandboxStore, spec: NewProject, now: Date): ProjectRecord {
  const project: ProjectRecord = {
    id: store.nextId('project'),
    name: spec.name,
    slug: spec.slug,
    description: spec.description,
    ownerId: spec.owner.id,
    createdDate: now,
    modifiedDate: now,
    isPrivate: spec.publicPermissions === undefined,
    ...(spec.publicPermissions ? { publicPermissions: [...spec.publicPermissions] } : {}),
    members: [],
    lastRef: 0,
  };
  store.projects.set(project.id, project);
  addStatuses(store, project.id, 'epic', epicStatusTemplates);
  addStatuses(store, project.id, 'userStory', userStoryStatusTemplates(spec.preset));
  addStatuses(store, project.id, 'task', taskStatusTemplates(spec.preset));
  addStatuses(store, project.id, 'issue', issueStatusTemplates);
  addNamedValues(store, store.issueTypes, project.id, issueTypeTemplates);
  addNamedValues(store, store.priorities, project.id, priorityTemplates);
  addNamedValues(store, store.severities, project.id, severityTemplates);
  pointsTemplates.forEach((template, index) => {
    const id = store.nextId('points');
    store.points.set(id, {
      id,
      projectId: project.id,
      name: template.name,
      order: index + 1,
      value: template.value,
    });
  });
  for (const template of roleTemplates) {
    const id = store.nextId('role');
    store.roles.set(id, { id, projectId: project.id, ...template });
  }
  addMember(store, project, spec.owner, 'product-owner', { isAdmin: true, invitedBy: null, now });
  return project;
}

/** Makes a user a member of a project with a role (by slug), or changes the role of a member. */
export function addMember(
  store: SandboxStore,
  project: ProjectRecord,
  user: UserRecord,
  roleSlug: string,
  options: { isAdmin: boolean; invitedBy: UserRecord | null; now: Date },
): MembershipRecord {
  const role = store.rolesOf(project.id).find((candidate) => candidate.slug === roleSlug);
  if (!role) {
    const slugs = store.rolesOf(project.id).map((candidate) => candidate.slug);
    throw new Error(`project ${project.slug} has no role ${roleSlug}; it has: ${slugs.join(', ')}`);
  }
  const existing = project.members.find((member) => member.userId === user.id);
  if (existing) {
    existing.roleId = role.id;
    existing.isAdmin = options.isAdmin;
    return existing;
  }
  const membership: MembershipRecord = {
    id: store.nextId('membership'),
    userId: user.id,
    roleId: role.id,
    isAdmin: options.isAdmin,
    createdAt: options.now,
    invitedById: options.invitedBy?.id ?? null,
  };
  project.members.push(membership);
  return membership;
}
