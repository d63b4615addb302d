import { describe, expect, it } from 'vitest';
import { taigaCapture } from '../../test/fixtures.js';
import { normaliseTaiga } from './taiga.js';

const receivedAt = new Date('2026-11-23T04:00:00.000Z');
const bot = { username: 'taiga-bot', userId: 9 };
const ctx = { projectId: 'demo', bot, receivedAt };
const body = (name: Parameters<typeof taigaCapture>[0]) => taigaCapture(name).body_json;

/** A capture with fields replaced, to cover what the captures do not show (bot writes, assignments). */
function variant(name: Parameters<typeof taigaCapture>[0], patch: (json: Record<string, any>) => void) {
  const json = structuredClone(body(name)) as Record<string, any>;
  patch(json);
  return json;
}

describe('normaliseTaiga', () => {
  it('reads a created task (capture)', () => {
    expect(normaliseTaiga(body('task_create'), ctx)).toEqual({
      kind: 'event',
      event: {
        source: 'taiga',
        kind: 'task.create',
        projectId: 'demo',
        action: 'create',
        item: { type: 'task', id: 1, ref: 2 },
        status: { slug: 'new', name: 'New' },
        assignees: { ids: [], usernames: [] },
        statusChange: null,
        assignmentChanged: false,
        commented: false,
        unblocked: false,
        actor: { id: '5', username: 'admin' },
        at: '2026-11-23T03:53:38.639Z',
      },
    });
  });

  it('reads a status move from the diff, by display name (capture)', () => {
    const result = normaliseTaiga(body('task_change_status'), ctx);
    expect(result).toMatchObject({
      kind: 'event',
      event: {
        kind: 'task.change',
        status: { slug: 'in-progress' },
        statusChange: { from: 'New', to: 'In progress' },
      },
    });
  });

  it('reads a user story change (capture)', () => {
    expect(normaliseTaiga(body('userstory_change'), ctx)).toMatchObject({
      kind: 'event',
      event: {
        item: { type: 'userstory', id: 1, ref: 1 },
        status: { slug: 'ready' },
        statusChange: { from: 'New', to: 'Ready' },
      },
    });
  });

  it.each([
    ['the test button', body('test'), { kind: 'test', label: 'test.test' }],
    [
      'a change to nothing a rule reads (a rename)',
      variant('task_change_comment', (j) => {
        j.change.comment = '';
        j.change.diff = { subject: { from: 'a', to: 'b' } };
      }),
      { kind: 'ignored', label: 'task.change', reason: 'irrelevant_change' },
    ],
    [
      "the bot's own change, by username",
      variant('task_change_status', (j) => {
        j.by.username = 'taiga-bot';
      }),
      { kind: 'ignored', label: 'task.change', reason: 'bot_user' },
    ],
    [
      "the bot's own change, by id",
      variant('task_change_status', (j) => {
        j.by.id = 9;
      }),
      { kind: 'ignored', label: 'task.change', reason: 'bot_user' },
    ],
    [
      'an issue',
      variant('task_create', (j) => {
        j.type = 'issue';
      }),
      { kind: 'ignored', label: 'issue.create', reason: 'item_type' },
    ],
    [
      'an unknown item type, labelled other',
      variant('task_create', (j) => {
        j.type = 'something-new';
      }),
      { kind: 'ignored', label: 'other.create', reason: 'item_type' },
    ],
  ])('drops %s', (_name, input, expected) => {
    expect(normaliseTaiga(input, ctx)).toEqual(expected);
  });

  it('reads a comment-only change: Taiga sends it with an empty diff (capture)', () => {
    expect(normaliseTaiga(body('task_change_comment'), ctx)).toMatchObject({
      kind: 'event',
      event: { action: 'change', commented: true, statusChange: null, assignmentChanged: false },
    });
  });

  it('reads a deleted task, and a cleared blocked flag', () => {
    expect(
      normaliseTaiga(
        variant('task_create', (j) => {
          j.action = 'delete';
        }),
        ctx,
      ),
    ).toMatchObject({ kind: 'event', event: { action: 'delete', item: { type: 'task', id: 1 } } });
    expect(
      normaliseTaiga(
        variant('task_change_comment', (j) => {
          j.change.comment = '';
          j.data.is_blocked = false;
          j.change.diff = { is_blocked: { from: true, to: false } };
        }),
        ctx,
      ),
    ).toMatchObject({ kind: 'event', event: { unblocked: true, commented: false } });
  });

  it('collects assigned_to and assigned_users, and notices an assignment diff', () => {
    const input = variant('userstory_change', (j) => {
      j.data.assigned_to = { id: 9, username: 'taiga-bot', full_name: 'Bot' };
      j.data.assigned_users = [9, 12];
      j.change.diff = { assigned_users: { from: '', to: 'Bot' } };
    });
    expect(normaliseTaiga(input, ctx)).toMatchObject({
      kind: 'event',
      event: {
        assignees: { ids: [9, 9, 12], usernames: ['taiga-bot'] },
        assignmentChanged: true,
        statusChange: null,
      },
    });
  });

  it.each([
    [
      'no action',
      variant('task_create', (j) => {
        delete j.action;
      }),
      'action',
    ],
    [
      'a string id',
      variant('task_create', (j) => {
        j.data.id = 'one';
      }),
      'data.id',
    ],
    [
      'no ref',
      variant('task_change_status', (j) => {
        delete j.data.ref;
      }),
      'data.ref',
    ],
    [
      'no by',
      variant('task_create', (j) => {
        delete j.by;
      }),
      'by',
    ],
  ])('names the field when the shape is wrong: %s', (_name, input, field) => {
    const result = normaliseTaiga(input, ctx);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.issues.some((issue) => issue.startsWith(`${field}:`))).toBe(
      true,
    );
  });
});
