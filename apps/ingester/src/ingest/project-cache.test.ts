import type { Project } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import { ProjectCache } from './project-cache.js';

/** A project source that counts its reads, and a clock the test moves. */
function setup() {
  const projects = new Map<string, Project>();
  const reads = { get: 0, list: 0 };
  const source = {
    get: async (id: string) => {
      reads.get++;
      return projects.get(id) ?? null;
    },
    list: async () => {
      reads.list++;
      return [...projects.values()];
    },
  };
  const clock = { now: 0 };
  const cache = new ProjectCache(source, 5_000, () => clock.now);
  const add = (id: string) => projects.set(id, { id } as Project);
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

  it('looks a missing project up again after a second: one made since is found', async () => {
    const { cache, reads, clock, add } = setup();
    expect(await cache.get('new')).toBeNull();
    add('new');
    clock.now = 999;
    expect(await cache.get('new')).toBeNull();
    clock.now = 1_000;
    expect(await cache.get('new')).toMatchObject({ id: 'new' });
    expect(reads.get).toBe(2);
  });

  it('reloads the list after a miss only when the list held is a second old', async () => {
    const { cache, reads, clock, add } = setup();
    expect(await cache.list()).toEqual([]);
    add('new');
    clock.now = 500;
    expect(await cache.listAfterMiss()).toEqual([]);
    expect(reads.list).toBe(1);
    clock.now = 1_000;
    expect(await cache.listAfterMiss()).toEqual([{ id: 'new' }]);
    expect(await cache.list()).toEqual([{ id: 'new' }]);
    expect(reads.list).toBe(2);
  });
});
