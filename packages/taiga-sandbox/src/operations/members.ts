import type { SandboxCore } from './core.js';
import { addMember, createUser } from './create-project.js';
import type { SeededUser } from './seed.js';

/** A user to register in the sandbox (`addUser`, `POST /sandbox/users`). */
export interface NewSandboxUser {
  username: string;
  password: string;
  fullName?: string;
}

/** A member to add to a project, or whose role to change (`addMember`, `POST /sandbox/memberships`). */
export interface NewSandboxMember {
  /** The project's id or slug. */
  project: number | string;
  username: string;
  /** The role's slug (default `back`); Taiga's template has ux, design, front, back, product-owner, stakeholder. */
  role?: string;
  isAdmin?: boolean;
}

export interface SandboxMember {
  id: number;
  userId: number;
  role: { id: number; slug: string };
  isAdmin: boolean;
}

/** A refusal of a sandbox control, with the HTTP status it answers. */
export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function addSandboxUser(core: SandboxCore, spec: NewSandboxUser): SeededUser {
  if (core.store.userByUsername(spec.username))
    throw new SandboxControlError(409, `the sandbox has a user ${spec.username} already`);
  const user = createUser(
    core.store,
    { username: spec.username, password: spec.password, fullName: spec.fullName ?? '' },
    core.now(),
  );
  return { id: user.id, username: user.username, password: user.password };
}

export function addSandboxMember(core: SandboxCore, spec: NewSandboxMember): SandboxMember {
  const { store } = core;
  const project =
    typeof spec.project === 'number' ? store.projects.get(spec.project) : store.projectBySlug(spec.project);
  if (!project) throw new SandboxControlError(404, `the sandbox has no project ${spec.project}`);
  const user = store.userByUsername(spec.username);
  if (!user) throw new SandboxControlError(404, `the sandbox has no user ${spec.username}`);
  let membership: ReturnType<typeof addMember>;
  try {
    membership = addMember(store, project, user, spec.role ?? 'back', {
      isAdmin: spec.isAdmin ?? false,
      invitedBy: store.users.get(project.ownerId) ?? null,
      now: core.now(),
    });
  } catch (error) {
    throw new SandboxControlError(400, error instanceof Error ? error.message : String(error));
  }
  const role = store.roles.get(membership.roleId);
  return {
    id: membership.id,
    userId: user.id,
    role: { id: membership.roleId, slug: role?.slug ?? '' },
    isAdmin: membership.isAdmin,
  };
}
