import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  type Harness,
  loadCapture,
  shapeDifferences,
  startHarness,
  type WebhookCapture,
} from './helpers.js';

/**
 * The webhooks of what people do on a board that Tundra reacts to: a comment, a deletion, a cleared blocked flag, an
 * assignee removed, tags changed. Bodies as taiga-back builds them: `change` is its webhook `HistoryEntrySerializer`
 * (`comment`, `comment_html`, `delete_comment_date`, `comment_versions`, `edit_comment_date`, and `diff` as
 * `HistoryDiffField` writes `values_diff`); a deletion has no `change`; none carries the history entry's id.
 */

let harness: Harness;
let admin: Record<string, string>;

beforeEach(async () => {
  harness = await startHarness();
  admin = await harness.login('admin', 'admin123');
});
afterEach(async () => {
  await harness.stop();
});

interface Hook {
  action: string;
  type: string;
  by: { id: number; username: string };
  data: Record<string, unknown>;
  change?: Record<string, unknown>;
}

async function nextHook(): Promise<Hook> {
  return JSON.parse((await harness.receiver.next()).rawBody.toString('utf8')) as Hook;
}

async function patch(kind: 'tasks' | 'userstories', id: number, body: Record<string, unknown>) {
  const current = await call(`${harness.api}/${kind}/${id}`, { headers: admin });
  const version = (current.body as { version: number }).version;
  const response = await call(`${harness.api}/${kind}/${id}`, {
    method: 'PATCH',
    headers: admin,
    body: { ...body, version },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

describe('webhooks of board gestures', () => {
  it('sends a comment with its rendered HTML and an empty diff, and no entry id', async () => {
    const taskId = harness.seed.tasks[0]!.id;
    await patch('tasks', taskId, { comment: '/tundra retry\nthe test is **flaky**' });
    const hook = await nextHook();
    expect(hook).toMatchObject({ action: 'change', type: 'task', by: { username: 'admin' } });
    expect(hook.change).toEqual({
      comment: '/tundra retry\nthe test is **flaky**',
      comment_html: '<p>/tundra retry<br>\nthe test is <strong>flaky</strong></p>',
      delete_comment_date: null,
      comment_versions: null,
      edit_comment_date: null,
      diff: {},
    });
    const capture = loadCapture<WebhookCapture>('webhook_task_change_comment');
    expect(shapeDifferences(JSON.parse(capture.body), hook, true)).toEqual([]);
  });

  it('sends a comment edit and a comment deletion as changes carrying the comment', async () => {
    const taskId = harness.seed.tasks[0]!.id;
    await patch('tasks', taskId, { comment: 'first words' });
    await nextHook();
    const history = await call(`${harness.api}/history/task/${taskId}?type=comment`, { headers: admin });
    const entryId = (history.body as { id: string }[])[0]!.id;
    await call(`${harness.api}/history/task/${taskId}/edit_comment?id=${entryId}`, {
      method: 'POST',
      headers: admin,
      body: { comment: 'better words' },
    });
    const edited = await nextHook();
    expect(edited.change).toMatchObject({ comment: 'better words', diff: {} });
    expect(edited.change?.edit_comment_date).toEqual(expect.any(String));
    expect(edited.change?.comment_versions).toEqual([
      expect.objectContaining({ comment: 'first words', comment_html: '<p>first words</p>' }),
    ]);
    await call(`${harness.api}/history/task/${taskId}/delete_comment?id=${entryId}`, {
      method: 'POST',
      headers: admin,
    });
    const deleted = await nextHook();
    expect(deleted.change).toMatchObject({ comment: 'better words' });
    expect(deleted.change?.delete_comment_date).toEqual(expect.any(String));
  });

  it('sends a deletion with the item as it was and no change', async () => {
    const { story } = harness.seed;
    const response = await call(`${harness.api}/userstories/${story.id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(response.status).toBe(204);
    const hook = await nextHook();
    expect(hook).toMatchObject({
      action: 'delete',
      type: 'userstory',
      data: { id: story.id, ref: story.ref },
    });
    expect('change' in hook).toBe(false);
  });

  it('sends a cleared blocked flag with the note’s diff', async () => {
    const taskId = harness.seed.tasks[1]!.id;
    await patch('tasks', taskId, { is_blocked: true, blocked_note: 'CI is red' });
    await nextHook();
    await patch('tasks', taskId, { is_blocked: false, blocked_note: '' });
    const hook = await nextHook();
    expect(hook.data).toMatchObject({ is_blocked: false, blocked_note: '' });
    expect(hook.change?.diff).toEqual({
      is_blocked: { from: true, to: false },
      blocked_note_diff: { from: null, to: '<del style="background:#ffe6e6;">CI is red</del>' },
      blocked_note_html: { from: '<p>CI is red</p>', to: '' },
    });
  });

  it('sends an assignee removed by display name', async () => {
    const { seed } = harness;
    const taskId = seed.tasks[2]!.id;
    await patch('tasks', taskId, { assigned_to: seed.users.bot.id });
    await nextHook();
    await patch('tasks', taskId, { assigned_to: null });
    expect((await nextHook()).change?.diff).toEqual({ assigned_to: { from: 'Taiga Bot', to: null } });

    await patch('userstories', seed.story.id, { assigned_users: [seed.users.bot.id] });
    await nextHook();
    await patch('userstories', seed.story.id, { assigned_users: [] });
    const story = await nextHook();
    expect(story.data.assigned_users).toEqual([]);
    expect(story.change?.diff).toMatchObject({ assigned_users: { from: 'Taiga Bot', to: null } });
  });

  it('sends tags changed as lists', async () => {
    const { story } = harness.seed;
    await patch('userstories', story.id, { tags: ['backend'] });
    await nextHook();
    await patch('userstories', story.id, { tags: ['backend', 'tundra:running'] });
    const hook = await nextHook();
    expect(hook.change?.diff).toEqual({
      tags: { from: ['backend'], to: ['backend', 'tundra:running'] },
    });
    expect(hook.data.tags).toEqual(['backend', 'tundra:running']);
  });
});
