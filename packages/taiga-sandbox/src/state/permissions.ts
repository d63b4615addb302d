import type { SandboxStore } from './store.js';
import { adminPermissions } from './templates.js';
import type { MembershipRecord, ProjectRecord } from './types.js';

export function membershipOf(project: ProjectRecord, userId: number | null): MembershipRecord | undefined {
  return userId === null ? undefined : project.members.find((member) => member.userId === userId);
}

/**
 * What a user may do in a project: its role's permissions, plus the admin ones for project admins. Sandbox projects
 * are private with no anonymous or public permissions, so non-members may do nothing.
 */
export function permissionsIn(store: SandboxStore, project: ProjectRecord, userId: number | null): string[] {
  const membership = membershipOf(project, userId);
  if (!membership) return [];
  const rolePermissions = store.roles.get(membership.roleId)?.permissions ?? [];
  return membership.isAdmin ? [...rolePermissions, ...adminPermissions] : [...rolePermissions];
}

export function hasPermission(
  store: SandboxStore,
  project: ProjectRecord,
  userId: number | null,
  permission: string,
): boolean {
  return permissionsIn(store, project, userId).includes(permission);
}
