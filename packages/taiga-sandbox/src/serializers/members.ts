import type { SandboxStore } from '../state/store.js';
import type { MembershipRecord, ProjectRecord, RoleRecord } from '../state/types.js';
import { isoDate } from './context.js';
import { serializeUserExtraInfo } from './users.js';

/**
 * `MembershipSerializer` (`/memberships`): the member's user id, role and admin flag, and display fields; the
 * project's admins get `MembershipAdminSerializer`, which adds the e-mails.
 */
export function serializeMembership(
  store: SandboxStore,
  project: ProjectRecord,
  membership: MembershipRecord,
  forAdmin: boolean,
): Record<string, unknown> {
  const user = store.users.get(membership.userId);
  const role = store.roles.get(membership.roleId);
  const invitedBy = membership.invitedById === null ? undefined : store.users.get(membership.invitedById);
  return {
    id: membership.id,
    user: membership.userId,
    project: project.id,
    role: membership.roleId,
    is_admin: membership.isAdmin,
    created_at: isoDate(membership.createdAt),
    invited_by: serializeUserExtraInfo(invitedBy),
    invitation_extra_text: null,
    user_order: membership.createdAt.getTime(),
    role_name: role?.name ?? null,
    full_name: user ? user.fullName || user.username : null,
    is_user_active: user?.isActive ?? false,
    color: user?.color ?? null,
    photo: null,
    gravatar_id: user?.gravatarId ?? null,
    project_name: project.name,
    project_slug: project.slug,
    is_owner: membership.userId === project.ownerId,
    ...(forAdmin ? { email: null, user_email: user?.email ?? null } : {}),
  };
}

/** `RoleSerializer` (`/roles`): a project's role with its permission names. */
export function serializeRole(store: SandboxStore, role: RoleRecord): Record<string, unknown> {
  const project = store.projects.get(role.projectId);
  return {
    id: role.id,
    name: role.name,
    slug: role.slug,
    project: role.projectId,
    order: role.order,
    computable: role.computable,
    permissions: role.permissions,
    members_count: project?.members.filter((member) => member.roleId === role.id).length ?? 0,
  };
}
