import { TaigaNotFoundError } from '@tundra/taiga';
import { describe, expect, it } from 'vitest';
import {
  createTaigaItemResolver,
  createTaigaProjectValidator,
  createTaigaTaskRefs,
} from './taiga-adapters.js';

const statuses = (slugs: string[]) => slugs.map((slug, i) => ({ id: i + 1, slug, name: slug }));
const notFound = () => new TaigaNotFoundError({ endpoint: '/x', method: 'GET' }, 'not found');

/** A stand-in for the Taiga client's read calls; the real client is exercised against the sandbox elsewhere. */
function client(members: number[]) {
  const project = {
    id: 7,
    slug: 'shop',
    members: members.map((id) => ({ id, username: `u${id}`, role: 1 })),
  };
  return {
    me: async () => ({ id: 42, username: 'taiga-bot' }),
    getProject: async (id: number) => {
      if (id !== 7) throw notFound();
      return project;
    },
    getProjectBySlug: async (slug: string) => {
      if (slug !== 'shop') throw notFound();
      return project;
    },
    listTaskStatuses: async () => statuses(['new', 'in-progress', 'ready-for-test', 'closed', 'needs-info']),
    listUserStoryStatuses: async () =>
      statuses(['new', 'ready', 'in-progress', 'ready-for-test', 'done', 'archived']),
  } as unknown as Parameters<typeof createTaigaProjectValidator>[0];
}

const input = {
  id: 'shop',
  trigger: { onBotAssignment: true, statusSlugs: [] },
  statusMapping: { preset: 'taiga-default' as const },
};

describe('the Taiga project validator', () => {
  it('accepts a project the bot belongs to and fills in the slug', async () => {
    expect(
      await createTaigaProjectValidator(client([1, 42])).check({ ...input, taiga: { projectId: 7 } }),
    ).toEqual({
      ok: true,
      taiga: { projectId: 7, projectSlug: 'shop' },
    });
  });

  it('names the bot that is not a member and a slug that disagrees with the id', async () => {
    const result = await createTaigaProjectValidator(client([1])).check({
      ...input,
      taiga: { projectId: 7, projectSlug: 'shop-old' },
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          code: 'project_mismatch',
          field: 'taiga.projectSlug',
          message: "Taiga project 7 has slug 'shop', not 'shop-old'",
        },
        {
          code: 'bot_not_member',
          field: 'taiga',
          message: "the bot user 'taiga-bot' is not a member of Taiga project 'shop': add it to the project",
        },
      ],
    });
  });

  it('says which project id does not exist', async () => {
    const result = await createTaigaProjectValidator(client([42])).check({
      ...input,
      taiga: { projectId: 8 },
    });
    expect(result).toMatchObject({
      ok: false,
      problems: [{ code: 'project_not_found', field: 'taiga.projectId' }],
    });
  });
});

describe('the Taiga item resolver', () => {
  it('finds a user story by ref, else a task, else nothing', async () => {
    const resolver = createTaigaItemResolver({
      getUserStoryByRef: async (_project: number, ref: number) => {
        if (ref !== 1) throw notFound();
        return { id: 10, ref: 1, subject: 'Story' };
      },
      getTaskByRef: async (_project: number, ref: number) => {
        if (ref !== 2) throw notFound();
        return { id: 20, ref: 2, subject: 'Task' };
      },
    } as unknown as Parameters<typeof createTaigaItemResolver>[0]);
    const project = { taiga: { projectId: 7 } } as Parameters<typeof resolver.resolve>[0];
    expect(await resolver.resolve(project, 1)).toEqual({
      type: 'userstory',
      id: 10,
      ref: 1,
      subject: 'Story',
    });
    expect(await resolver.resolve(project, 2)).toEqual({ type: 'task', id: 20, ref: 2, subject: 'Task' });
    expect(await resolver.resolve(project, 3)).toBeNull();
  });
});

describe('the Taiga task refs', () => {
  it('asks Taiga once per task, forgets the oldest past the cache size, and keeps no missing task', async () => {
    const asked: number[] = [];
    const refs = createTaigaTaskRefs(
      {
        getTask: async (id: number) => {
          asked.push(id);
          if (id === 404) throw notFound();
          return { id, ref: id + 1000 };
        },
      } as unknown as Parameters<typeof createTaigaTaskRefs>[0],
      2,
    );
    expect(await refs.refOf(1)).toBe(1001);
    expect(await refs.refOf(1)).toBe(1001);
    expect(await refs.refOf(404)).toBeNull();
    expect(await refs.refOf(404)).toBeNull();
    expect(await refs.refOf(2)).toBe(1002);
    expect(await refs.refOf(3)).toBe(1003);
    expect(await refs.refOf(1)).toBe(1001);
    expect(asked).toEqual([1, 404, 404, 2, 3, 1]);
  });

  it('shares one request among pages asking for the same task at once', async () => {
    let answer: (task: { id: number; ref: number }) => void = () => undefined;
    let calls = 0;
    const refs = createTaigaTaskRefs({
      getTask: () => {
        calls += 1;
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as Parameters<typeof createTaigaTaskRefs>[0]);
    const first = refs.refOf(5);
    const second = refs.refOf(5);
    answer({ id: 5, ref: 55 });
    expect(await Promise.all([first, second])).toEqual([55, 55]);
    expect(calls).toBe(1);
  });
});
