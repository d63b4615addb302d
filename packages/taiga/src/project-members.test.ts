import { describe, expect, it } from 'vitest';
import { createProjectMembers } from './project-members.js';
import type { TaigaMembership, TaigaRole } from './types.js';

function fakeTaiga() {
  const calls: string[] = [];
  const members = new Map<number, number[]>([[1, [5]]]);
  let failNext = false;
  return {
    calls,
    members,
    failNextLoad: () => {
      failNext = true;
    },
    client: {
      async listMemberships(project: number) {
        calls.push(`memberships:${project}`);
        if (failNext) {
          failNext = false;
          throw new Error('Taiga is down');
        }
        return (members.get(project) ?? []).map(
          (user) => ({ id: user, user, project, role: 10, is_admin: false }) as TaigaMembership,
        );
      },
      async listRoles(project: number) {
        calls.push(`roles:${project}`);
        return [{ id: 10, name: 'Back', permissions: ['modify_task'] } as TaigaRole];
      },
    },
  };
}

describe('createProjectMembers', () => {
  it('reads a project once for many questions, and each project apart', async () => {
    const taiga = fakeTaiga();
    const members = createProjectMembers(taiga.client, { now: () => 0 });
    const answers = await Promise.all([members.roleOf(1, 5), members.roleOf(1, 5), members.roleOf(1, 6)]);
    expect(answers.map((answer) => answer?.roleName ?? null)).toEqual(['Back', 'Back', null]);
    await members.roleOf(2, 5);
    expect(taiga.calls).toEqual(['memberships:1', 'roles:1', 'memberships:2', 'roles:2']);
  });

  it('reads the project again after the time to live, or sooner for a user it does not know', async () => {
    const taiga = fakeTaiga();
    let clock = 0;
    const members = createProjectMembers(taiga.client, {
      ttlMs: 60_000,
      unknownUserRefreshMs: 5_000,
      now: () => clock,
    });
    await members.roleOf(1, 5);
    taiga.members.set(1, [5, 6]);
    clock = 4_999;
    expect(await members.roleOf(1, 6)).toBeNull();
    clock = 5_000;
    expect((await members.roleOf(1, 6))?.userId).toBe(6);
    taiga.members.set(1, [6]);
    clock = 64_999;
    expect((await members.roleOf(1, 5))?.userId).toBe(5);
    clock = 65_000;
    expect(await members.roleOf(1, 5)).toBeNull();
    expect(taiga.calls.filter((call) => call.startsWith('memberships'))).toHaveLength(3);
  });

  it('keeps no failed read, and forgets a project on demand', async () => {
    const taiga = fakeTaiga();
    const members = createProjectMembers(taiga.client, { now: () => 0 });
    taiga.failNextLoad();
    await expect(members.roleOf(1, 5)).rejects.toThrow('Taiga is down');
    expect((await members.roleOf(1, 5))?.userId).toBe(5);
    members.forget(1);
    await members.roleOf(1, 5);
    expect(taiga.calls.filter((call) => call.startsWith('memberships'))).toHaveLength(3);
  });
});
