import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startHarness } from './harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

/** A registration for the sandbox's demo project, by slug only. */
function registration(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `Project ${id}`,
    taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO' },
    repository: { url: '/srv/git/demo.git', baseBranch: 'main', pushRemote: null },
    trigger: { onBotAssignment: true, statusSlugs: ['in-progress'] },
    execEngine: { kind: 'command', command: ['claude', '-p'] },
    qaPolicy: { kind: 'manual' },
    ...overrides,
  };
}

describe('POST /projects', () => {
  it('registers a project checked against Taiga, filling in the Taiga id from the slug', async () => {
    const created = await h.request('POST', '/projects', { body: registration('reg-ok') });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body.project).toMatchObject({
      id: 'reg-ok',
      version: 1,
      taiga: { projectId: h.seed.project.id, projectSlug: h.seed.project.slug },
      statusMapping: { preset: 'taiga-default' },
      limits: { concurrentRuns: 1, stepTimeoutSeconds: 3600, maxAttempts: 3 },
    });
    expect((await h.store.projects.get('reg-ok'))?.taiga.projectId).toBe(h.seed.project.id);
  });

  it('answers 400 naming each invalid field', async () => {
    const bad = await h.request('POST', '/projects', {
      body: registration('Bad Id', { limits: { concurrentRuns: 0, stepTimeoutSeconds: 60, maxAttempts: 1 } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      'id',
      'limits.concurrentRuns',
    ]);
    expect(bad.body.error.message).toContain('body.id');
  });

  it('answers 422 saying exactly what does not match Taiga, and saves nothing', async () => {
    const refused = await h.request('POST', '/projects', {
      body: registration('reg-bad-mapping', {
        trigger: { onBotAssignment: false, statusSlugs: ['ready-to-go'] },
        statusMapping: { preset: 'taiga-default', task: { running: 'hacking' } },
      }),
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('TAIGA_CHECK_FAILED');
    const problems = refused.body.error.details.problems as {
      code: string;
      field: string;
      message: string;
    }[];
    expect(problems.map((p) => [p.code, p.field])).toEqual([
      ['status_missing', 'statusMapping.task'],
      ['trigger_status_missing', 'trigger.statusSlugs.0'],
    ]);
    expect(problems[0]!.message).toContain("slug 'hacking' for running");
    expect(problems[1]!.message).toContain("'ready-to-go'");
    expect(await h.store.projects.get('reg-bad-mapping')).toBeNull();

    const missing = await h.request('POST', '/projects', {
      body: registration('reg-no-project', {
        taiga: { projectSlug: 'nobody-has-this', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_X' },
      }),
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.problems).toEqual([
      {
        code: 'project_not_found',
        field: 'taiga.projectSlug',
        message: "Taiga has no project with slug 'nobody-has-this' that the bot user can see",
      },
    ]);
  });

  it('answers 409 for an id that exists', async () => {
    await h.request('POST', '/projects', { body: registration('reg-twice') });
    const again = await h.request('POST', '/projects', { body: registration('reg-twice') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_EXISTS');
  });

  it('answers 401 without a token or with a wrong one, 403 to a project token', async () => {
    const none = await h.request('POST', '/projects', { token: null, body: registration('reg-anon') });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await h.request('POST', '/projects', {
      token: 'not-the-token',
      body: registration('reg-anon'),
    });
    expect(wrong.status).toBe(401);
    await h.putProject({ id: 'reg-scoped' });
    const scoped = await h.request('POST', '/projects', {
      projectToken: await h.projectToken('reg-scoped'),
      body: registration('reg-anon'),
    });
    expect(scoped.status).toBe(403);
    expect(scoped.body.error.code).toBe('FORBIDDEN');
  });
});

describe('GET /projects and /projects/{id}', () => {
  it('shows an admin every project and a project token only its own; another project is 404', async () => {
    await h.putProject({ id: 'list-a' });
    await h.putProject({ id: 'list-b' });
    const all = await h.request('GET', '/projects');
    expect(all.status).toBe(200);
    expect(all.body.projects.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining(['list-a', 'list-b']),
    );
    const token = await h.projectToken('list-a');
    const own = await h.request('GET', '/projects', { projectToken: token });
    expect(own.body.projects.map((p: { id: string }) => p.id)).toEqual(['list-a']);
    expect((await h.request('GET', '/projects/list-a', { projectToken: token })).status).toBe(200);
    const other = await h.request('GET', '/projects/list-b', { projectToken: token });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'project list-b does not exist',
        details: { entity: 'project', id: 'list-b' },
      },
    });
    expect((await h.request('GET', '/projects/list-zzz')).status).toBe(404);
    expect((await h.request('GET', '/projects/NOT_AN_ID')).status).toBe(400);
    expect((await h.request('GET', '/projects/list-a', { token: 'wrong' })).status).toBe(401);
    expect((await h.request('GET', '/projects', { projectToken: 'tpt.list-a.forged' })).status).toBe(401);
  });
});

describe('PATCH /projects/{id}', () => {
  it('changes what differs, writes nothing when nothing differs, and checks the version', async () => {
    await h.request('POST', '/projects', { body: registration('patch-me') });
    const limits = { concurrentRuns: 4, stepTimeoutSeconds: 900, maxAttempts: 2 };
    const changed = await h.request('PATCH', '/projects/patch-me', {
      body: { limits },
      headers: { 'if-match': '"1"' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ changed: true, project: { version: 2, limits } });
    const same = await h.request('PATCH', '/projects/patch-me', {
      body: {
        limits,
        taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO' },
      },
    });
    expect(same.body).toMatchObject({ changed: false, project: { version: 2 } });
    const stale = await h.request('PATCH', '/projects/patch-me', {
      body: { name: 'Renamed' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { currentVersion: 2 } });
  });

  it('checks changed Taiga settings (422), validates (400), hides other projects (404)', async () => {
    await h.request('POST', '/projects', { body: registration('patch-check') });
    const bad = await h.request('PATCH', '/projects/patch-check', {
      body: { trigger: { onBotAssignment: true, statusSlugs: ['nope'] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.problems[0].field).toBe('trigger.statusSlugs.0');
    const invalid = await h.request('PATCH', '/projects/patch-check', {
      body: { id: 'other', colour: 'red' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toContain('body');
    await h.putProject({ id: 'patch-own' });
    const token = await h.projectToken('patch-own');
    const hidden = await h.request('PATCH', '/projects/patch-check', {
      projectToken: token,
      body: { name: 'x' },
    });
    expect(hidden.status).toBe(404);
    const mine = await h.request('PATCH', '/projects/patch-own', {
      projectToken: token,
      body: { name: 'Mine' },
    });
    expect(mine.body.project.name).toBe('Mine');
    expect(
      (await h.request('PATCH', '/projects/patch-own', { token: null, body: { name: 'x' } })).status,
    ).toBe(401);
  });
});

describe('DELETE /projects/{id}', () => {
  it('refuses while the project has active runs, then deletes it and its tokens', async () => {
    await h.putProject({ id: 'del-me' });
    const token = await h.projectToken('del-me');
    const { run } = await h.runningRun('del-me', 1);
    const busy = await h.request('DELETE', '/projects/del-me');
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: 'PROJECT_BUSY', details: { activeRuns: 1 } });
    await h.request('POST', `/runs/${run.id}/actions/cancel`, {
      headers: { 'idempotency-key': 'del-cancel' },
    });
    expect((await h.request('DELETE', '/projects/del-me', { headers: { 'if-match': '"7"' } })).status).toBe(
      412,
    );
    expect((await h.request('DELETE', '/projects/del-me')).status).toBe(204);
    expect(await h.store.projects.get('del-me')).toBeNull();
    expect(await h.redis.client.exists(h.keys.projectTokens('del-me'))).toBe(0);
    expect((await h.request('GET', '/projects', { projectToken: token })).status).toBe(401);
    expect((await h.request('DELETE', '/projects/del-me')).status).toBe(404);
    expect((await h.request(`GET`, `/runs/${run.id}`)).status).toBe(200);
  });

  it('answers 401, 400, and 404 to another project token', async () => {
    await h.putProject({ id: 'del-other' });
    await h.putProject({ id: 'del-own' });
    expect((await h.request('DELETE', '/projects/del-other', { token: null })).status).toBe(401);
    expect((await h.request('DELETE', '/projects/Del_Other')).status).toBe(400);
    const token = await h.projectToken('del-own');
    expect((await h.request('DELETE', '/projects/del-other', { projectToken: token })).status).toBe(404);
    expect((await h.request('DELETE', '/projects/del-own', { projectToken: token })).status).toBe(403);
  });
});

describe('project tokens', () => {
  it('are shown once, stored as hashes, listed by name and revocable', async () => {
    await h.putProject({ id: 'tok' });
    const created = await h.request('POST', '/projects/tok/tokens', { body: { name: 'ci-bot' } });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^tpt\.tok\./);
    const stored = await h.redis.client.hgetall(h.keys.projectTokens('tok'));
    expect(Object.keys(stored)).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[2]);
    expect((await h.request('POST', '/projects/tok/tokens', { body: { name: 'ci-bot' } })).status).toBe(409);
    expect((await h.request('POST', '/projects/tok/tokens', { body: { name: 'Bad Name' } })).status).toBe(
      400,
    );
    expect((await h.request('GET', '/projects/tok/tokens')).body.tokens).toEqual([
      { name: 'ci-bot', createdAt: created.body.createdAt },
    ]);
    expect((await h.request('GET', '/projects/tok/tokens', { projectToken: token })).status).toBe(403);
    expect((await h.request('DELETE', '/projects/tok/tokens/ci-bot')).status).toBe(204);
    expect((await h.request('GET', '/projects/tok', { projectToken: token })).status).toBe(401);
    expect((await h.request('DELETE', '/projects/tok/tokens/ci-bot')).status).toBe(404);
  });

  it('answer 401 without a valid token, and 404 for another project or one that does not exist', async () => {
    await h.putProject({ id: 'tok-mine' });
    await h.putProject({ id: 'tok-theirs' });
    await h.request('POST', '/projects/tok-theirs/tokens', { body: { name: 'kept' } });
    const mine = await h.projectToken('tok-mine');
    const calls = [
      ['GET', '/projects/tok-theirs/tokens', undefined],
      ['POST', '/projects/tok-theirs/tokens', { name: 'stolen' }],
      ['DELETE', '/projects/tok-theirs/tokens/kept', undefined],
    ] as const;
    for (const [method, path, body] of calls) {
      const none = await h.request(method, path, { token: null, body });
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tundra"');
      expect((await h.request(method, path, { token: 'not-the-admin-token', body })).status).toBe(401);
      expect((await h.request(method, path, { projectToken: 'tpt.tok-theirs.forged', body })).status).toBe(
        401,
      );
      const hidden = await h.request(method, path, { projectToken: mine, body });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error).toEqual({
        code: 'NOT_FOUND',
        message: 'project tok-theirs does not exist',
        details: { entity: 'project', id: 'tok-theirs' },
      });
      const missing = await h.request(method, path.replace('tok-theirs', 'tok-nowhere'), { body });
      expect(missing.status).toBe(404);
      expect(missing.body.error.details).toEqual({ entity: 'project', id: 'tok-nowhere' });
    }
    // Nothing was made or revoked on the way.
    expect(
      (await h.request('GET', '/projects/tok-theirs/tokens')).body.tokens.map(
        (t: { name: string }) => t.name,
      ),
    ).toEqual(['kept']);
  });
});

describe('settings that execute code or name secrets', () => {
  const commands = {
    planEngine: { kind: 'command', command: ['plan-it', '--key=plan-secret'] },
    execEngine: { kind: 'command', command: ['bash', '-c', 'echo exec-secret'] },
    qaPolicy: { kind: 'command', command: ['make', 'QA_TOKEN=qa-secret'] },
  };

  it('may be changed by the admin token only: a project token gets 403 naming the fields, and nothing changes', async () => {
    await h.putProject({ id: 'guarded', ...(commands as object) });
    const token = await h.projectToken('guarded');
    const attempts: Record<string, unknown>[] = [
      { execEngine: { kind: 'command', command: ['sh', '-c', 'id > /tmp/pwned'] } },
      { planEngine: { kind: 'command', command: ['sh', '-c', 'id'] } },
      { qaPolicy: { kind: 'command', command: ['sh', '-c', 'id'] } },
      { taiga: { projectId: 1, projectSlug: 'demo', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_OTHER' } },
      { repository: { url: 'https://attacker.example/x.git', baseBranch: 'main', pushRemote: null } },
      { limits: { concurrentRuns: 1000, stepTimeoutSeconds: 604800, maxAttempts: 20 } },
      { name: 'Fine', execEngine: { kind: 'command', command: ['id'] } },
    ];
    for (const body of attempts) {
      const refused = await h.request('PATCH', '/projects/guarded', { projectToken: token, body });
      expect(refused.status, JSON.stringify(body)).toBe(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
      const adminOnly = Object.keys(body).filter((field) => field !== 'name');
      expect(refused.body.error.details.fields).toEqual(adminOnly);
      for (const field of adminOnly) expect(refused.body.error.message).toContain(field);
    }
    const stored = await h.store.projects.get('guarded');
    expect(stored).toMatchObject({ version: 1, name: 'Demo project', ...commands });

    const admin = await h.request('PATCH', '/projects/guarded', {
      body: { execEngine: { kind: 'command', command: ['claude', '-p'] } },
    });
    expect(admin.status).toBe(200);
    expect(admin.body.project.execEngine.command).toEqual(['claude', '-p']);
  });

  it('may be read by a project token only masked', async () => {
    await h.putProject({
      id: 'masked',
      ...(commands as object),
      repository: {
        url: 'https://ci-bot:glpat-repo-secret@gitlab.example/acme/shop.git',
        baseBranch: 'main',
        pushRemote: 'https://ci-bot:glpat-push-secret@gitlab.example/acme/shop.git',
      },
    });
    const token = await h.projectToken('masked');
    const own = await h.request('GET', '/projects/masked', { projectToken: token });
    const listed = await h.request('GET', '/projects', { projectToken: token });
    const patched = await h.request('PATCH', '/projects/masked', {
      projectToken: token,
      body: { name: 'Renamed by its team' },
    });
    expect(patched.status).toBe(200);
    for (const project of [own.body.project, listed.body.projects[0], patched.body.project]) {
      expect(project).toMatchObject({
        id: 'masked',
        taiga: { projectId: 1, projectSlug: 'demo', webhookSecretRef: '***' },
        repository: {
          url: 'https://ci-bot:***@gitlab.example/acme/shop.git',
          baseBranch: 'main',
          pushRemote: 'https://ci-bot:***@gitlab.example/acme/shop.git',
        },
        planEngine: { kind: 'command', command: ['***'] },
        execEngine: { kind: 'command', command: ['***'] },
        qaPolicy: { kind: 'command', command: ['***'] },
      });
      expect(JSON.stringify(project)).not.toMatch(/secret|WEBHOOK/);
    }
    const seenByAdmin = await h.request('GET', '/projects/masked');
    expect(seenByAdmin.body.project).toMatchObject(commands);
    expect(seenByAdmin.body.project.taiga.webhookSecretRef).toBe('TUNDRA_WEBHOOK_KEY_DEMO');
  });

  it('lets a project token change what only concerns its own board', async () => {
    await h.request('POST', '/projects', { body: registration('team-owned') });
    const token = await h.projectToken('team-owned');
    const changed = await h.request('PATCH', '/projects/team-owned', {
      projectToken: token,
      body: {
        name: 'Team owned',
        trigger: { onBotAssignment: false, statusSlugs: ['in-progress'] },
        statusMapping: { preset: 'taiga-default', task: { running: 'in-progress' } },
        waitForMerge: true,
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ changed: true, project: { version: 2, waitForMerge: true } });
  });

  it('refuse a webhook key variable outside TUNDRA_WEBHOOK_KEY_*, naming the field', async () => {
    for (const ref of ['TUNDRA_INGESTER_PORT', 'TUNDRA_API_TOKEN', 'PATH', 'TUNDRA_WEBHOOK_KEY_']) {
      const created = await h.request('POST', '/projects', {
        body: registration('bad-ref', {
          taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: ref },
        }),
      });
      expect(created.status, ref).toBe(400);
      expect(created.body.error.details.issues).toEqual([
        expect.objectContaining({ location: 'body', path: 'taiga.webhookSecretRef' }),
      ]);
      expect(created.body.error.message).toContain('TUNDRA_WEBHOOK_KEY_');
    }
    expect(await h.store.projects.get('bad-ref')).toBeNull();
    await h.request('POST', '/projects', { body: registration('good-ref') });
    const patched = await h.request('PATCH', '/projects/good-ref', {
      body: { taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: 'TUNDRA_INGESTER_PORT' } },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details.issues[0].path).toBe('taiga.webhookSecretRef');
  });
});
