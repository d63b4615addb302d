import { startTaigaSandbox } from '@tundra/taiga-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaigaClient, TaigaValidationError } from '../src/index.js';

/** The calls reports make, against the sandbox: the contract of taiga-back 6.10.0's issues, history and wiki. */

type Sandbox = Awaited<ReturnType<typeof startTaigaSandbox>>;
let sandbox: Sandbox;
afterEach(async () => {
  await sandbox.stop();
});

async function setup() {
  sandbox = await startTaigaSandbox({ defaultPageSize: 5 });
  const seed = await sandbox.seedDemo();
  const client = createTaigaClient({
    baseUrl: sandbox.url,
    username: seed.users.bot.username,
    password: seed.users.bot.password,
    timeoutMs: 5_000,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, maxTotalMs: 5_000 },
    conflictRetries: 3,
  });
  return { seed, client, admin: sandbox.actAs('admin') };
}

describe('report calls against the Taiga sandbox', () => {
  it('lists issues with their values, across pages, and only those changed since an instant', async () => {
    const { seed, client, admin } = await setup();
    const project = seed.project.id;
    const [types, severities, priorities, statuses] = await Promise.all([
      client.listIssueTypes(project),
      client.listSeverities(project),
      client.listPriorities(project),
      client.listIssueStatuses(project),
    ]);
    expect(types.map((type) => type.name)).toEqual(['Bug', 'Question', 'Enhancement']);
    expect(severities.map((severity) => severity.name)).toEqual([
      'Wishlist',
      'Minor',
      'Normal',
      'Important',
      'Critical',
    ]);
    expect(priorities.map((priority) => priority.name)).toEqual(['Low', 'Normal', 'High']);
    expect(statuses.find((status) => status.is_closed)?.slug).toBe('closed');
    const critical = severities.find((severity) => severity.name === 'Critical')!.id;
    for (let n = 0; n < 7; n += 1) {
      await admin.createIssue({
        project,
        subject: `Bug ${n}`,
        severity: n === 6 ? critical : severities[0]!.id,
      });
    }
    const all = await client.listIssues({ project });
    expect(all).toHaveLength(7);
    expect(all[0]).toMatchObject({ subject: 'Bug 6', severity: critical, finished_date: null });
    expect(await client.listIssues({ project, severity: String(critical) }, 'disable')).toHaveLength(1);
  });

  it('lists only the items changed since an instant, to the millisecond', async () => {
    const { client } = await setup();
    const history = await sandbox.seedHistory({ now: new Date('2026-05-04T08:00:00Z'), days: 30 });
    const project = history.project.id;
    const issues = await client.listIssues({ project });
    const stories = await client.listUserStories({ project });
    const cursor = '2026-04-27T12:00:00.000Z';
    const since = (items: { id: number; modified_date: string }[]) =>
      items
        .filter((item) => item.modified_date >= cursor)
        .map((item) => item.id)
        .sort();
    expect(since(issues).length).toBeGreaterThan(0);
    expect(since(issues).length).toBeLessThan(issues.length);
    expect(
      (await client.listIssues({ project, modified_date__gte: cursor })).map((i) => i.id).sort(),
    ).toEqual(since(issues));
    expect(
      (await client.listUserStories({ project, modified_date__gte: cursor })).map((s) => s.id).sort(),
    ).toEqual(since(stories));
  });

  it("makes the same history from the same seed, and another from another seed (the demo's reports repeat)", async () => {
    const now = new Date('2026-05-04T08:00:00Z');
    const read = async (seed: number) => {
      const { client } = await setup();
      const history = await sandbox.seedHistory({ seed, now, days: 20 });
      const project = history.project.id;
      const stories = await client.listUserStories({ project });
      const issues = await client.listIssues({ project });
      const storyHistory = await client.userStoryHistory(stories[0]!.id);
      await sandbox.stop();
      return {
        counts: history.counts,
        stories: stories.map((s) => [s.subject, s.status, s.created_date, s.finish_date, s.is_blocked]),
        issues: issues.map((i) => [i.subject, i.severity, i.priority, i.created_date, i.finished_date]),
        storyHistory: storyHistory.map((entry) => [entry.created_at, entry.diff]),
      };
    };
    const first = await read(5);
    const again = await read(5);
    const other = await read(6);
    // Each read stopped its own sandbox; afterEach stops the file's current one.
    sandbox = await startTaigaSandbox();
    expect(first.stories.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    expect(other.stories).not.toEqual(first.stories);
  });

  it('reads an issue history: its changes, newest first, without the creation', async () => {
    const { seed, client, admin } = await setup();
    const statuses = await client.listIssueStatuses(seed.project.id);
    const issue = await admin.createIssue({ project: seed.project.id, subject: 'Broken' });
    await admin.patchIssue(issue.id as number, { status: statuses[1]!.id, version: 1 });
    await admin.patchIssue(issue.id as number, { is_blocked: true, blocked_note: 'vendor', version: 2 });
    const history = await client.issueHistory(issue.id as number);
    expect(history.map((entry) => Object.keys(entry.diff).sort())).toEqual([
      ['blocked_note', 'blocked_note_html', 'is_blocked'],
      ['status'],
    ]);
    expect(history[1]).toMatchObject({ type: 1, diff: { status: [statuses[0]!.id, statuses[1]!.id] } });
  });

  it('keeps a wiki page up to date with its version, and links it from the sidebar', async () => {
    const { seed, client } = await setup();
    const project = seed.project.id;
    expect(await client.findWikiPage(project, 'tundra-flow')).toBeNull();
    const page = await client.createWikiPage({ project, slug: 'tundra-flow', content: '# Flow\n\nfirst' });
    expect(page).toMatchObject({ slug: 'tundra-flow', version: 1, editions: 1 });
    await expect(
      client.createWikiPage({ project, slug: 'tundra-flow', content: 'again' }),
    ).rejects.toBeInstanceOf(TaigaValidationError);
    const updated = await client.patchWikiPage(page.id, () => ({ content: '# Flow\n\nsecond' }));
    expect(updated.item).toMatchObject({ version: 2, content: '# Flow\n\nsecond' });
    expect(await client.findWikiPage(project, 'tundra-flow')).toMatchObject({ version: 2, editions: 2 });

    // A link's href is made from its title; the page it names is created when missing.
    const link = await client.createWikiLink({ project, title: 'Tundra: Aging' });
    expect(link).toMatchObject({ title: 'Tundra: Aging', href: 'tundra-aging' });
    expect(await client.findWikiPage(project, 'tundra-aging')).toMatchObject({ content: '', version: 1 });
    expect((await client.listWikiLinks(project)).map((l) => l.href)).toEqual(['tundra-aging']);
  });
});
