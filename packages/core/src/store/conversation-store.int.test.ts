import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommentRecord } from './conversation-store.js';
import { createStateStore } from './index.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => redis.stop());

const store = () => createStateStore({ redis: redis.client, prefix: redis.prefix }).conversation;
const remark = (entryId: string, stepRunId: string | null, kind: 'comment' | 'retry' = 'comment') => ({
  entryId,
  at: '2026-01-01T00:00:00.000Z',
  author: 'alice',
  where: 'the user story',
  kind,
  text: `said in ${entryId}`,
  stepRunId,
});

describe('ConversationStore', () => {
  it('keeps the first decision about a comment: a second reading replays it', async () => {
    const conversation = store();
    const first: CommentRecord = {
      kind: 'command',
      command: 'go',
      body: { kind: 'done' },
      actions: [],
      replied: false,
    };
    expect(await conversation.decide('p', 'h-1', first)).toEqual({ record: first, first: true });
    const other = { ...first, command: 'cancel' };
    expect(await conversation.decide('p', 'h-1', other)).toEqual({ record: first, first: false });
    await conversation.markReplied('p', 'h-1', first);
    expect(await conversation.recorded('p', 'h-1')).toEqual({ ...first, replied: true });
    expect(await conversation.recorded('p', 'h-2')).toBeNull();
  });

  it('keeps a remark once per entry and kind, and gives a step what was said on the run and on it', async () => {
    const conversation = store();
    await conversation.addRemark('run_1', remark('h-1', null));
    await conversation.addRemark('run_1', remark('h-1', null));
    await conversation.addRemark('run_1', remark('h-2', 'step_a'));
    await conversation.addRemark('run_1', remark('h-3', 'step_b', 'retry'));
    expect((await conversation.contextRemarks('run_1', 'step_a')).map((r) => r.text)).toEqual([
      'said in h-1',
      'said in h-2',
    ]);
    expect(await conversation.contextRemarks('run_1', null)).toHaveLength(3);
  });

  it('remembers the history cursor of each item and the items that are gone', async () => {
    const conversation = store();
    const item = { type: 'task', id: 7 } as const;
    expect(await conversation.historyCursor('p', item)).toBeNull();
    await conversation.setHistoryCursor('p', item, 'h-9');
    expect(await conversation.historyCursor('p', item)).toBe('h-9');
    expect(await conversation.isGone('run_1', item)).toBe(false);
    await conversation.markGone('run_1', item);
    expect(await conversation.isGone('run_1', item)).toBe(true);
    expect(await conversation.isGone('run_1', { type: 'userstory', id: 7 })).toBe(false);
  });
});
