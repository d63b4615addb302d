import type { TaigaConversationCalls } from './conversation-calls.js';
import { type MemberRole, memberRoles } from './permissions.js';

export interface ProjectMembersOptions {
  /** How long a project's members and roles are kept (default 60 s). */
  ttlMs?: number;
  /**
   * An unknown user makes the project be read again once its members are older than this (default 5 s): someone
   * just added to the project is known within seconds.
   */
  unknownUserRefreshMs?: number;
  now?: () => number;
}

/** Who is a member of which project, with which role: read from Taiga and kept per project. */
export interface ProjectMembers {
  /** The user's role in the Taiga project, or null when the user is no member. */
  roleOf(taigaProjectId: number, userId: number): Promise<MemberRole | null>;
  /** Reads the project's members again at the next question (a membership changed). */
  forget(taigaProjectId: number): void;
}

interface Entry {
  loadedAt: number;
  members: Map<number, MemberRole>;
}

/**
 * The members of each Taiga project with their roles (two requests per project: memberships and roles), kept for
 * `ttlMs`. Questions asked while a project loads share that load; a failed load is not kept.
 */
export function createProjectMembers(
  client: Pick<TaigaConversationCalls, 'listMemberships' | 'listRoles'>,
  options: ProjectMembersOptions = {},
): ProjectMembers {
  const ttlMs = options.ttlMs ?? 60_000;
  const unknownUserRefreshMs = options.unknownUserRefreshMs ?? 5_000;
  const now = options.now ?? Date.now;
  const entries = new Map<number, Entry>();
  const loading = new Map<number, Promise<Entry>>();

  const load = (taigaProjectId: number): Promise<Entry> => {
    let pending = loading.get(taigaProjectId);
    if (!pending) {
      pending = Promise.all([client.listMemberships(taigaProjectId), client.listRoles(taigaProjectId)])
        .then(([memberships, roles]) => {
          const entry = { loadedAt: now(), members: memberRoles(memberships, roles) };
          entries.set(taigaProjectId, entry);
          return entry;
        })
        .finally(() => loading.delete(taigaProjectId));
      loading.set(taigaProjectId, pending);
    }
    return pending;
  };

  return {
    async roleOf(taigaProjectId, userId) {
      let entry = entries.get(taigaProjectId);
      if (!entry || now() - entry.loadedAt >= ttlMs) entry = await load(taigaProjectId);
      else if (!entry.members.has(userId) && now() - entry.loadedAt >= unknownUserRefreshMs)
        entry = await load(taigaProjectId);
      return entry.members.get(userId) ?? null;
    },
    forget(taigaProjectId) {
      entries.delete(taigaProjectId);
    },
  };
}
