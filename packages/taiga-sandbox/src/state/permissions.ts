import type { SandboxStore } from './store.js';
import { adminPermissions, memberPermissionNames } from './templates.js';
import type { MembershipRecord, ProjectRecord } from './types.js';

export function membershipOf(project: ProjectRecord, userId: number | null): MembershipRecord | undefined {
  return userId === null ? undefined : project.members.find((member) => member.userId === userId);
}

/**
 * What a user may do in a project, as taiga-back's `calculate_permissions` says: a member has its role's
 * permissions; an admin has every member and admin permission whatever its role; a logged-in non-member has the
 * project's public permissions when it is public; anyone else nothing.
 */
export function permissionsIn(store: SandboxStore, project: ProjectRecord, userId: number | null): string[] {
  const membership = membershipOf(project, userId);
  if (!membership) return userId !== null && !project.isPrivate ? [...(project.publicPermissions ?? [])] : [];
  const rolePermissions = store.roles.get(membership.roleId)?.permissions ?? [];
  return membership.isAdmin
    ? [...new Set([...rolePermissions, ...memberPermissionNames, ...adminPermissions])]
    : [...rolePermissions];
}

export function hasPermission(
  store: SandboxStore,
  project: ProjectRecord,
  userId: number | null,
  permission: string,
): boolean {
  return permissionsIn(store, project, userId).includes(permission);
}
