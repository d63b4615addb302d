import { describe, expect, it } from 'vitest';
import { commentMarker } from '../events/run-comments.js';
import type { TaigaItemKey, TaigaItemPort, TaigaItemSnapshot, TaigaItemWrite } from './taiga-item-port.js';
import { TaigaItemWriter, TaigaWriteBackConflictError } from './taiga-item-writer.js';
import type { ItemWriteBack } from './write-back-plan.js';

const statuses = {
  task: [
    { id: 1, slug: 'new' },
    { id: 2, slug: 'in-progress' },
  ],
  story: [{ id: 11, slug: 'new' }],
};
const context = { statuses, projectId: 'demo', retried: false };
const task: TaigaItemKey = { type: 'task', id: 7 };

/** A Taiga item as the contract describes it: a PATCH with a stale version that touches no changed field merges. */
function fakeTaiga(options: { staleOnce?: boolean; history?: string[] } = {}) {
  let item: TaigaItemSnapshot = { version: 1, status: 1, is_blocked: false, blocked_note: '' };
  const calls: string[] = [];
  const comments: string[] = [...(options.history ?? [])];
  let staleOnce = options.staleOnce ?? false;
  const port: TaigaItemPort = {
    async readItem() {
      calls.push('GET');
      return item;
    },
    async writeItem(_key, body: TaigaItemWrite) {
      calls.push(`PATCH ${Object.keys(body).sort().join(',')}`);
      if (staleOnce || body.version !== item.version) {
        staleOnce = false;
        item = { ...item, version: item.version + 1 };
        return 'stale_version';
      }
      const { version: _, comment, ...fields } = body;
      if (comment) comments.push(comment);
      item = { ...item, ...fields, version: item.version + 1 };
      return item;
    },
    async itemComments() {
      calls.push('HISTORY');
      return comments;
    },
  };
  return { port, calls, comments, current: () => item };
}

const work = (overrides: Partial<ItemWriteBack> = {}): ItemWriteBack => ({
  item: task,
  desired: { statusSlug: 'in-progress', isBlocked: false, blockedNote: '' },
  comments: [{ eventId: '1-0', at: '2026-01-01T00:00:00.000Z', text: 'step done' }],
  reread: false,
  ...overrides,
});

describe('TaigaItemWriter', () => {
  it('sends a status change and a comment on the same item as one GET and one PATCH', async () => {
    const taiga = fakeTaiga();
    const writer = new TaigaItemWriter({ port: taiga.port, now: () => 5 });
    const report = await writer.write([work()], context);
    expect(taiga.calls).toEqual(['GET', 'PATCH comment,status,version']);
    expect(taiga.current()).toMatchObject({ status: 2, version: 2 });
    expect(report).toEqual({
      patched: 1,
      posted: [{ eventId: '1-0', at: '2026-01-01T00:00:00.000Z', postedAt: 5 }],
      conflicts: 0,
    });
  });

  it('keeps the version of the last answer: the next write to the item reads nothing', async () => {
    const taiga = fakeTaiga();
    const writer = new TaigaItemWriter({ port: taiga.port });
    await writer.write([work()], context);
    await writer.write(
      [work({ desired: null, comments: [{ eventId: '2-0', at: '2026-01-01T00:00:00.000Z', text: 'a' }] })],
      context,
    );
    expect(taiga.calls).toEqual(['GET', 'PATCH comment,status,version', 'PATCH comment,version']);
  });

  it('posts further comments of the item in order, one PATCH each, with the status in the first', async () => {
    const taiga = fakeTaiga();
    const writer = new TaigaItemWriter({ port: taiga.port });
    const texts = ['first', 'second', 'third'];
    await writer.write(
      [
        work({
          comments: texts.map((text, i) => ({ eventId: `${i}-0`, at: '2026-01-01T00:00:00.000Z', text })),
        }),
      ],
      context,
    );
    expect(taiga.comments).toEqual(texts);
    expect(taiga.calls).toEqual([
      'GET',
      'PATCH comment,status,version',
      'PATCH comment,version',
      'PATCH comment,version',
    ]);
  });

  it('reads the item again only when Taiga refuses the version', async () => {
    const taiga = fakeTaiga({ staleOnce: true });
    const writer = new TaigaItemWriter({ port: taiga.port });
    const report = await writer.write([work()], context);
    expect(taiga.calls).toEqual([
      'GET',
      'PATCH comment,status,version',
      'GET',
      'PATCH comment,status,version',
    ]);
    expect(report.conflicts).toBe(1);
    expect(taiga.comments).toEqual(['step done']);
  });

  it('gives up with a typed error when the version keeps being refused', async () => {
    const taiga = fakeTaiga();
    const port: TaigaItemPort = { ...taiga.port, writeItem: async () => 'stale_version' };
    const writer = new TaigaItemWriter({ port, conflictRetries: 2 });
    await expect(writer.write([work()], context)).rejects.toBeInstanceOf(TaigaWriteBackConflictError);
  });

  it('does not post again, on a retry, a comment whose marker Taiga already has', async () => {
    const taiga = fakeTaiga({ history: [`step done\n${commentMarker('1-0')}`] });
    const writer = new TaigaItemWriter({ port: taiga.port });
    const report = await writer.write([work()], { ...context, retried: true });
    expect(taiga.calls).toEqual(['HISTORY', 'GET', 'PATCH status,version']);
    expect(report.posted).toEqual([]);
  });

  it('writes nothing when the item already shows the state and there is no comment', async () => {
    const taiga = fakeTaiga();
    const writer = new TaigaItemWriter({ port: taiga.port });
    await writer.write(
      [work({ desired: { statusSlug: 'new', isBlocked: false, blockedNote: '' }, comments: [] })],
      context,
    );
    expect(taiga.calls).toEqual(['GET']);
  });
});
