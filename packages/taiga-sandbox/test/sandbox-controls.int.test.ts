import { afterEach, describe, expect, it } from 'vitest';
import { startTaigaSandbox, type TaigaSandbox } from '../src/index.js';
import { call } from './helpers.js';

let sandbox: TaigaSandbox;
afterEach(async () => {
  await sandbox.stop();
});

async function login(username: string, password: string): Promise<Record<string, string>> {
  const response = await call(`${sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: { type: 'normal', username, password },
  });
  return {
    Authorization: `Bearer ${(response.body as { auth_token: string }).auth_token}`,
    'Content-Type': 'application/json',
  };
}

describe('people and memberships, added through the sandbox’s own endpoints', () => {
  it('adds a user and a member with a role, who may then do what the role allows', async () => {
    sandbox = await startTaigaSandbox();
    const seed = await sandbox.seedDemo();
    const user = await call(`${sandbox.url}/sandbox/users`, {
      method: 'POST',
      body: { username: 'pat', password: 'pat12345', fullName: 'Pat Person' },
    });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({ username: 'pat', id: expect.any(Number) });
    const again = await call(`${sandbox.url}/sandbox/users`, {
      method: 'POST',
      body: { username: 'pat', password: 'x' },
    });
    expect(again.status).toBe(409);

    const badRole = await call(`${sandbox.url}/sandbox/memberships`, {
      method: 'POST',
      body: { project: seed.project.slug, username: 'pat', role: 'boss' },
    });
    expect(badRole.status).toBe(400);
    expect((badRole.body as { error: string }).error).toContain('it has: ux, design, front, back');
    const added = await call(`${sandbox.url}/sandbox/memberships`, {
      method: 'POST',
      body: { project: seed.project.id, username: 'pat', role: 'stakeholder' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: { slug: 'stakeholder' }, isAdmin: false });

    const pat = await login('pat', 'pat12345');
    const memberships = await call(`${sandbox.url}/api/v1/memberships?project=${seed.project.id}`, {
      headers: pat,
    });
    expect(memberships.body).toContainEqual(
      expect.objectContaining({ user: (user.body as { id: number }).id, role_name: 'Stakeholder' }),
    );
    // A stakeholder has comment_us but not modify_us: a comment alone passes, a status change does not.
    const story = `${sandbox.url}/api/v1/userstories/${seed.story.id}`;
    const comment = await call(story, {
      method: 'PATCH',
      headers: pat,
      body: { comment: 'Looks good', version: 1 },
    });
    expect(comment.status).toBe(200);
    const move = await call(story, {
      method: 'PATCH',
      headers: pat,
      body: { status: seed.statuses.userStory[1]!.id, version: 2 },
    });
    expect([move.status, move.body]).toEqual([
      403,
      {
        _error_message: 'You do not have permission to perform this action.',
        _error_type: 'taiga.base.exceptions.PermissionDenied',
      },
    ]);
  });

  it("lets a non-member do what a public project's public permissions allow, and nothing in a private one", async () => {
    sandbox = await startTaigaSandbox();
    const open = await sandbox.seedDemo({
      projectSlug: 'open',
      publicPermissions: ['view_us', 'comment_us'],
    });
    const closed = await sandbox.seedDemo({ projectSlug: 'closed' });
    sandbox.addUser({ username: 'nora', password: 'nora1234' });
    const nora = await login('nora', 'nora1234');
    const patch = (seed: typeof open, body: Record<string, unknown>) =>
      call(`${sandbox.url}/api/v1/userstories/${seed.story.id}`, { method: 'PATCH', headers: nora, body });
    expect((await patch(open, { comment: 'A passer-by', version: 1 })).status).toBe(200);
    expect((await patch(open, { subject: 'Renamed', version: 2 })).status).toBe(403);
    expect((await patch(closed, { comment: 'A passer-by', version: 1 })).status).toBe(403);
  });
});
