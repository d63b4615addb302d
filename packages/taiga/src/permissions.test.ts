import { describe, expect, it } from 'vitest';
import {
  type MemberRole,
  mayComment,
  mayModify,
  memberRoles,
  type TaigaPermissionItem,
} from './permissions.js';
import type { TaigaMembership, TaigaRole } from './types.js';

const member = (permissions: string[], isAdmin = false): MemberRole => ({
  userId: 7,
  roleId: 1,
  roleName: 'Back',
  isAdmin,
  permissions,
});

const items: [TaigaPermissionItem, string, string][] = [
  ['userstory', 'modify_us', 'comment_us'],
  ['task', 'modify_task', 'comment_task'],
  ['issue', 'modify_issue', 'comment_issue'],
  ['epic', 'modify_epic', 'comment_epic'],
];

describe('mayModify and mayComment', () => {
  it.each(items)('%s: modify needs %s, comment needs %s', (item, modify, comment) => {
    expect(mayModify(member([modify]), item)).toBe(true);
    expect(mayModify(member([comment, `view_${item}`]), item)).toBe(false);
    expect(mayComment(member([comment]), item)).toBe(true);
    expect(mayComment(member([modify]), item)).toBe(false);
  });

  it.each(items)('%s: an admin may, whatever its role; a non-member may not', (item) => {
    expect(mayModify(member([], true), item)).toBe(true);
    expect(mayComment(member([], true), item)).toBe(true);
    expect(mayModify(null, item)).toBe(false);
    expect(mayComment(null, item)).toBe(false);
  });

  it('does not take one item kind’s permission for another', () => {
    expect(mayModify(member(['modify_task']), 'userstory')).toBe(false);
    expect(mayModify(member(['modify_us']), 'task')).toBe(false);
  });
});

describe('memberRoles', () => {
  const role = (id: number, name: string, permissions: string[]) =>
    ({
      id,
      name,
      slug: name.toLowerCase(),
      project: 1,
      order: id,
      computable: true,
      permissions,
    }) as TaigaRole;
  const membership = (user: number | null, roleId: number, isAdmin: boolean) =>
    ({
      id: user ?? 0,
      user,
      project: 1,
      role: roleId,
      is_admin: isAdmin,
      role_name: null,
      full_name: null,
      is_user_active: true,
      is_owner: false,
    }) as TaigaMembership;

  it('joins each member to its role’s permissions, by user id, and leaves invitations out', () => {
    const members = memberRoles(
      [membership(5, 1, true), membership(6, 2, false), membership(null, 2, false)],
      [role(1, 'Product Owner', ['modify_us']), role(2, 'Stakeholder', ['comment_us'])],
    );
    expect([...members.keys()]).toEqual([5, 6]);
    expect(members.get(5)).toEqual({
      userId: 5,
      roleId: 1,
      roleName: 'Product Owner',
      isAdmin: true,
      permissions: ['modify_us'],
    });
    expect(mayModify(members.get(6) ?? null, 'userstory')).toBe(false);
    expect(mayComment(members.get(6) ?? null, 'userstory')).toBe(true);
  });
});
