import type { ProtocolRun, StepRun } from '@tundra/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLinks } from './links.js';
import type { TaigaTaskRefs } from './ports.js';

const run = { taigaItem: { type: 'userstory', id: 9, ref: 101 } } as ProtocolRun;
const step = (taigaTaskId: number | null) => ({ taigaTaskId }) as StepRun;
const logger = pino({ level: 'silent' });
const web = { webUrl: 'https://taiga.example.com/', apiUrl: 'https://taiga.example.com/api/v1' };

/** Task refs from a table; a task id missing from it makes Taiga fail. */
function refs(table: Record<number, number | null>, asked: number[] = []): TaigaTaskRefs {
  return {
    refOf: async (taskId) => {
      asked.push(taskId);
      const ref = table[taskId];
      if (ref === undefined) throw new Error('Taiga is down');
      return ref;
    },
  };
}

describe('Taiga links', () => {
  it('point people at the web front by project slug and ref, and programs at the API by id', async () => {
    const links = createLinks({ options: web, taskRefs: refs({ 7: 42, 8: null }), logger });
    expect(links.run(run, 'shop')).toEqual({ taigaItem: 'https://taiga.example.com/project/shop/us/101' });
    expect(links.run({ ...run, taigaItem: { type: 'task', id: 7, ref: 42 } }, 'shop')).toEqual({
      taigaItem: 'https://taiga.example.com/project/shop/task/42',
    });
    expect(await links.steps([step(7), step(8), step(null)], 'shop')).toEqual([
      {
        taigaTask: 'https://taiga.example.com/project/shop/task/42',
        taigaTaskApi: 'https://taiga.example.com/api/v1/tasks/7',
      },
      { taigaTask: null, taigaTaskApi: 'https://taiga.example.com/api/v1/tasks/8' },
      { taigaTask: null, taigaTaskApi: null },
    ]);
  });

  it('have no web link without TUNDRA_TAIGA_WEB_URL or a project slug, and then never ask Taiga', async () => {
    const asked: number[] = [];
    const noWeb = createLinks({
      options: { ...web, webUrl: null },
      taskRefs: refs({ 7: 42 }, asked),
      logger,
    });
    expect(noWeb.run(run, 'shop')).toEqual({ taigaItem: null });
    expect(await noWeb.step(step(7), 'shop')).toEqual({
      taigaTask: null,
      taigaTaskApi: 'https://taiga.example.com/api/v1/tasks/7',
    });
    const noSlug = createLinks({ options: web, taskRefs: refs({ 7: 42 }, asked), logger });
    expect(noSlug.run(run, null)).toEqual({ taigaItem: null });
    expect((await noSlug.step(step(7), null)).taigaTask).toBeNull();
    expect(asked).toEqual([]);
  });

  it('leave a web link out when Taiga fails or does not answer in time', async () => {
    const failing = createLinks({ options: web, taskRefs: refs({}), logger });
    expect((await failing.step(step(7), 'shop')).taigaTask).toBeNull();
    const silent = createLinks({
      options: web,
      taskRefs: { refOf: () => new Promise<number>(() => undefined) },
      logger,
      refTimeoutMs: 1,
    });
    expect(await silent.step(step(7), 'shop')).toEqual({
      taigaTask: null,
      taigaTaskApi: 'https://taiga.example.com/api/v1/tasks/7',
    });
  });
});
