import type { TaigaMembership, TaigaRole } from './types.js';

/** The kinds of item a person can act on, by Taiga's permission suffix. */
export type TaigaPermissionItem = 'userstory' | 'task' | 'issue' | 'epic';

/** A member's standing in a project: everything `mayModify` decides from. */
export interface MemberRole {
  readonly userId: number;
  readonly roleId: number;
  readonly roleName: string | null;
  /** Project admins may do everything a member may, whatever their role. */
  readonly isAdmin: boolean;
  /** The role's permission names (`modify_us`, `comment_task`…). */
  readonly permissions: readonly string[];
}

const modifyPermission = {
  userstory: 'modify_us',
  task: 'modify_task',
  issue: 'modify_issue',
  epic: 'modify_epic',
} as const satisfies Record<TaigaPermissionItem, string>;

const commentPermission = {
  userstory: 'comment_us',
  task: 'comment_task',
  issue: 'comment_issue',
  epic: 'comment_epic',
} as const satisfies Record<TaigaPermissionItem, string>;

/**
 * Whether a member may change an item of this kind: Taiga's `modify_us`, `modify_task`, `modify_issue` or
 * `modify_epic`, which a project admin has whatever its role (taiga-back's `calculate_permissions`). Someone who is
 * no member (null) may not.
 */
export function mayModify(member: MemberRole | null, itemType: TaigaPermissionItem): boolean {
  return member !== null && (member.isAdmin || member.permissions.includes(modifyPermission[itemType]));
}

/** Whether a member may comment on an item of this kind (`comment_us`, `comment_task`…). */
export function mayComment(member: MemberRole | null, itemType: TaigaPermissionItem): boolean {
  return member !== null && (member.isAdmin || member.permissions.includes(commentPermission[itemType]));
}

/**
 * Each member's role in a project, by user id, from `GET /memberships?project=` and `GET /roles?project=`. Pending
 * invitations (no user yet) are left out.
 */
export function memberRoles(
  memberships: readonly TaigaMembership[],
  roles: readonly TaigaRole[],
): Map<number, MemberRole> {
  const rolesById = new Map(roles.map((role) => [role.id, role]));
  const members = new Map<number, MemberRole>();
  for (const membership of memberships) {
    if (membership.user === null) continue;
    const role = rolesById.get(membership.role);
    members.set(membership.user, {
      userId: membership.user,
      roleId: membership.role,
      roleName: role?.name ?? membership.role_name ?? null,
      isAdmin: membership.is_admin,
      permissions: role?.permissions ?? [],
    });
  }
  return members;
}
