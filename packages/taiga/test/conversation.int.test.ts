import { startTaigaSandbox } from '@tundra/taiga-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProjectMembers,
  createTaigaClient,
  mayComment,
  mayModify,
  TaigaForbiddenError,
} from '../src/index.js';

type Sandbox = Awaited<ReturnType<typeof startTaigaSandbox>>;

let sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.stop()));
  sandboxes = [];
});

async function setup() {
  const sandbox = await startTaigaSandbox();
  sandboxes.push(sandbox);
  const seed = await sandbox.seedDemo({ webhookUrl: 'http://127.0.0.1:9/hook' });
  const clientAs = (username: string, password: string) =>
    createTaigaClient({
      baseUrl: sandbox.url,
      username,
      password,
      timeoutMs: 5_000,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 5_000 },
      conflictRetries: 2,
    });
  return {
    sandbox,
    seed,
    bot: clientAs(seed.users.bot.username, seed.users.bot.password),
    admin: clientAs(seed.users.admin.username, seed.users.admin.password),
  };
}

describe('who may act on an item, read through the client', () => {
  it('knows each member’s role and what it may do; a non-member is nobody', async () => {
    const { sandbox, seed, bot } = await setup();
    const viewer = sandbox.addUser({ username: 'viewer', password: 'viewer123', fullName: 'Vi Ewer' });
    sandbox.addMember({ project: seed.project.slug, username: 'viewer', role: 'stakeholder' });
    const stranger = sandbox.addUser({ username: 'stranger', password: 'stranger123' });

    const memberships = await bot.listMemberships(seed.project.id);
    expect(memberships.map((m) => [m.user, m.role_name, m.is_admin])).toEqual([
      // By full name: Taiga Admin, Taiga Bot, Vi Ewer.
      [seed.users.admin.id, 'Product Owner', true],
      [seed.users.bot.id, 'Back', false],
      [viewer.id, 'Stakeholder', false],
    ]);
    const roles = await bot.listRoles(seed.project.id);
    expect(roles.map((role) => role.slug)).toEqual([
      'ux',
      'design',
      'front',
      'back',
      'product-owner',
      'stakeholder',
    ]);

    const members = createProjectMembers(bot);
    const role = (userId: number) => members.roleOf(seed.project.id, userId);
    expect(mayModify(await role(seed.users.admin.id), 'userstory')).toBe(true);
    expect(mayModify(await role(seed.users.bot.id), 'task')).toBe(true);
    const stakeholder = await role(viewer.id);
    expect(stakeholder).toMatchObject({ roleName: 'Stakeholder', isAdmin: false });
    expect(mayModify(stakeholder, 'userstory')).toBe(false);
    expect(mayComment(stakeholder, 'userstory')).toBe(true);
    expect(await role(stranger.id)).toBeNull();
  });
});

describe('an item’s history since a known entry', () => {
  it('reads only what came after it, oldest first, paging no further than needed', async () => {
    const { sandbox, seed, bot } = await setup();
    const story = seed.story.id;
    const person = sandbox.actAs(seed.users.admin.username);
    for (const [index, text] of ['first', '/tundra status', 'third'].entries()) {
      await person.patchUserStory(story, { comment: text, version: index + 1 });
    }
    await person.patchUserStory(story, { subject: 'Renamed', version: 4 });

    const all = await bot.historySince('userstory', story, null, { pageSize: 2 });
    expect(all.knownEntryFound).toBe(false);
    expect(all.entries.map((entry) => entry.comment || entry.values_diff.subject)).toEqual([
      'first',
      '/tundra status',
      'third',
      ['Demo user story', 'Renamed'],
    ]);
    expect(all.entries[1]).toMatchObject({
      comment_html: '<p>/tundra status</p>',
      delete_comment_date: null,
      user: { pk: seed.users.admin.id, username: 'admin' },
    });

    const later = await bot.historySince('userstory', story, all.entries[1]!.id, { pageSize: 2 });
    expect(later.knownEntryFound).toBe(true);
    expect(later.entries.map((entry) => entry.id)).toEqual([all.entries[2]!.id, all.entries[3]!.id]);
    const nothing = await bot.historySince('userstory', story, all.entries[3]!.id);
    expect(nothing).toEqual({ entries: [], knownEntryFound: true });
  });

  it('shows a deleted comment with its deletion date', async () => {
    const { sandbox, seed, bot, admin } = await setup();
    const task = seed.tasks[0]!.id;
    await sandbox.actAs(seed.users.admin.username).patchTask(task, { comment: 'oops', version: 1 });
    const [entry] = (await bot.historySince('task', task, null)).entries;
    await admin.deleteComment('task', task, entry!.id);
    const [deleted] = (await bot.historySince('task', task, null)).entries;
    expect(deleted).toMatchObject({ id: entry!.id, comment: 'oops' });
    expect(deleted!.delete_comment_date).toEqual(expect.any(String));
  });
});

describe('webhooks through the client', () => {
  it('lets a project admin read and change one, and tells the bot it may not', async () => {
    const { seed, bot, admin } = await setup();
    const id = seed.webhook!.id;
    await expect(
      admin.patchWebhook(id, { url: 'http://127.0.0.1:9/moved', key: 'k2' }),
    ).resolves.toMatchObject({
      url: 'http://127.0.0.1:9/moved',
      key: 'k2',
    });
    await expect(admin.getWebhook(id)).resolves.toMatchObject({ name: 'Tundra', key: 'k2' });
    await expect(bot.listWebhooks(seed.project.id)).resolves.toEqual([]);
    const refused = await bot.getWebhook(id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TaigaForbiddenError);
    expect((refused as Error).message).toContain('You do not have permission to perform this action.');
  });
});
