import type { RoleRecord, UserRecord } from '../state/types.js';
import { isoDate } from './context.js';

/** `UserAdminSerializer`: `/users/me` and the body of a login. */
export function serializeUserDetail(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    full_name: user.fullName,
    full_name_display: user.fullName || user.username,
    color: user.color,
    bio: '',
    lang: '',
    theme: '',
    timezone: '',
    is_active: user.isActive,
    photo: null,
    big_photo: null,
    gravatar_id: user.gravatarId,
    roles: [],
    total_private_projects: 0,
    total_public_projects: 0,
    email: user.email,
    uuid: user.uuid,
    date_joined: isoDate(user.dateJoined),
    read_new_terms: false,
    accepted_terms: true,
    max_private_projects: null,
    max_public_projects: null,
    max_memberships_private_projects: null,
    max_memberships_public_projects: null,
    verified_email: true,
  };
}

/** The `*_extra_info` of owners and assignees in REST bodies. */
export function serializeUserExtraInfo(user: UserRecord | undefined): Record<string, unknown> | null {
  if (!user) return null;
  return {
    username: user.username,
    full_name_display: user.fullName || user.username,
    photo: null,
    big_photo: null,
    gravatar_id: user.gravatarId,
    is_active: user.isActive,
    id: user.id,
  };
}

/** The webhook `UserSerializer`: `by`, `owner`, `assigned_to` in webhook bodies. */
export function serializeWebhookUser(
  user: UserRecord | undefined,
  frontUrl: string,
): Record<string, unknown> | null {
  if (!user) return null;
  return {
    id: user.id,
    permalink: `${frontUrl}/profile/${user.username}`,
    username: user.username,
    full_name: user.fullName || user.username,
    photo: null,
    gravatar_id: user.gravatarId,
  };
}

/** One entry of a project's `members`. */
export function serializeMember(user: UserRecord, role: RoleRecord | undefined): Record<string, unknown> {
  return {
    role: role?.id ?? null,
    role_name: role?.name ?? null,
    full_name: user.fullName,
    full_name_display: user.fullName || user.username,
    is_active: user.isActive,
    id: user.id,
    color: '',
    username: user.username,
    photo: null,
    gravatar_id: user.gravatarId,
  };
}
