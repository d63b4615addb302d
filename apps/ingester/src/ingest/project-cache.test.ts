import type { Project } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import { ProjectCache } from './project-cache.js';

/** A project source that counts its reads and its writes (the change counter), and a clock the test moves. */
function setup() {
  const projects = new Map<string, Project>();
  const reads = { get: 0, list: 0 };
  let changes = 0;
  const source = {
    get: async (id: string) => {
      reads.get++;
      return projects.get(id) ?? null;
    },
    list: async () => {
      reads.list++;
      return [...projects.values()];
    },
    changes: async () => changes,
  };
  const clock = { now: 0 };
  const cache = new ProjectCache(source, 5_000, () => clock.now);
  const add = (id: string) => {
    projects.set(id, { id } as Project);
    changes++;
  };
  return { cache, reads, clock, add };
}

describe('ProjectCache', () => {
  it('serves a project it found for the whole TTL, then reads it again', async () => {
    const { cache, reads, clock, add } = setup();
    add('acme');
    await cache.get('acme');
    clock.now = 4_999;
    expect(await cache.get('acme')).toMatchObject({ id: 'acme' });
    expect(reads.get).toBe(1);
    clock.now = 5_000;
    await cache.get('acme');
    expect(reads.get).toBe(2);
  });

  it('answers a miss from memory until a project is written, then finds the one made since at once', async () => {
    const { cache, reads, add } = setup();
    expect(await cache.get('new')).toBeNull();
    expect(await cache.get('new')).toBeNull();
    expect(reads.get).toBe(1);
    add('new');
    expect(await cache.get('new')).toMatchObject({ id: 'new' });
    expect(reads.get).toBe(2);
  });

  it('reloads the list after a miss only when a project was written since it was loaded', async () => {
    const { cache, reads, add } = setup();
    expect(await cache.list()).toEqual([]);
    expect(await cache.listAfterMiss()).toEqual([]);
    expect(reads.list).toBe(1);
    add('new');
    expect(await cache.listAfterMiss()).toEqual([{ id: 'new' }]);
    expect(await cache.list()).toEqual([{ id: 'new' }]);
    expect(reads.list).toBe(2);
  });

  it('shares one reload among misses that arrive together', async () => {
    const { cache, reads, add } = setup();
    await cache.list();
    add('new');
    const lists = await Promise.all([cache.listAfterMiss(), cache.listAfterMiss(), cache.listAfterMiss()]);
    expect(lists).toEqual([[{ id: 'new' }], [{ id: 'new' }], [{ id: 'new' }]]);
    expect(reads.list).toBe(2);
  });
});
