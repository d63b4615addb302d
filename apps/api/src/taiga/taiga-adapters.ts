import { StatusMappingError, TaigaItemType } from '@tundra/core';
import { type TaigaClient, TaigaNotFoundError, type TaigaProject, verifyProjectMapping } from '@tundra/taiga';
import type {
  ProjectCheckInput,
  ProjectValidator,
  TaigaItemResolver,
  TaigaProblem,
  TaigaTaskRefs,
} from './ports.js';

type ValidatorClient = Pick<
  TaigaClient,
  'me' | 'getProject' | 'getProjectBySlug' | 'listTaskStatuses' | 'listUserStoryStatuses'
>;

async function findProject(
  client: ValidatorClient,
  taiga: ProjectCheckInput['taiga'],
): Promise<TaigaProject | TaigaProblem> {
  try {
    return taiga.projectId !== undefined
      ? await client.getProject(taiga.projectId)
      : await client.getProjectBySlug(taiga.projectSlug!);
  } catch (error) {
    if (!(error instanceof TaigaNotFoundError)) throw error;
    const byId = taiga.projectId !== undefined;
    return {
      code: 'project_not_found',
      field: byId ? 'taiga.projectId' : 'taiga.projectSlug',
      message: byId
        ? `Taiga has no project with id ${taiga.projectId} that the bot user can see`
        : `Taiga has no project with slug '${taiga.projectSlug}' that the bot user can see`,
    };
  }
}

/**
 * Checks a project's settings against the live Taiga project through the Taiga client: the project exists (by id
 * or slug, and both agree when both are given), the bot user is a member, the status mapping's slugs exist
 * (`verifyProjectMapping`), and every trigger status exists among the user story or task statuses.
 */
export function createTaigaProjectValidator(client: ValidatorClient): ProjectValidator {
  return {
    async check(input) {
      const found = await findProject(client, input.taiga);
      if ('code' in found) return { ok: false, problems: [found] };
      const project = found;
      const problems: TaigaProblem[] = [];
      if (input.taiga.projectSlug !== undefined && input.taiga.projectSlug !== project.slug) {
        problems.push({
          code: 'project_mismatch',
          field: 'taiga.projectSlug',
          message: `Taiga project ${project.id} has slug '${project.slug}', not '${input.taiga.projectSlug}'`,
        });
      }
      const bot = await client.me();
      if (!project.members.some((member) => member.id === bot.id)) {
        problems.push({
          code: 'bot_not_member',
          field: 'taiga',
          message: `the bot user '${bot.username}' is not a member of Taiga project '${project.slug}': add it to the project`,
        });
      }
      try {
        await verifyProjectMapping(client, {
          id: input.id,
          taiga: { projectId: project.id, projectSlug: project.slug, webhookSecretRef: 'UNUSED' },
          statusMapping: input.statusMapping,
        });
      } catch (error) {
        if (!(error instanceof StatusMappingError)) throw error;
        for (const problem of error.problems) {
          problems.push({
            code: 'status_missing',
            field: `statusMapping.${problem.kind}`,
            message: problem.message,
          });
        }
      }
      const [taskStatuses, storyStatuses] = await Promise.all([
        client.listTaskStatuses(project.id),
        client.listUserStoryStatuses(project.id),
      ]);
      const known = new Set([...taskStatuses, ...storyStatuses].map((status) => status.slug));
      input.trigger.statusSlugs.forEach((slug, index) => {
        if (known.has(slug)) return;
        problems.push({
          code: 'trigger_status_missing',
          field: `trigger.statusSlugs.${index}`,
          message: `the trigger status '${slug}' is neither a user story nor a task status of Taiga project '${project.slug}'; it has: ${[...known].join(', ')}`,
        });
      });
      return problems.length > 0
        ? { ok: false, problems }
        : { ok: true, taiga: { projectId: project.id, projectSlug: project.slug } };
    },
  };
}

async function orNull<T>(lookup: () => Promise<T>): Promise<T | null> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof TaigaNotFoundError) return null;
    throw error;
  }
}

/** Finds the user story with the ref, else the task with it (refs are unique across a project's items). */
export function createTaigaItemResolver(
  client: Pick<TaigaClient, 'getUserStoryByRef' | 'getTaskByRef'>,
): TaigaItemResolver {
  return {
    async resolve(project, ref) {
      const taigaProjectId = project.taiga.projectId;
      const story = await orNull(() => client.getUserStoryByRef(taigaProjectId, ref));
      if (story) return { type: TaigaItemType.Story, id: story.id, ref: story.ref, subject: story.subject };
      const task = await orNull(() => client.getTaskByRef(taigaProjectId, ref));
      return task ? { type: TaigaItemType.Task, id: task.id, ref: task.ref, subject: task.subject } : null;
    },
  };
}

/**
 * Task refs read from Taiga (`GET /tasks/{id}`) and kept: a task's ref never changes, so each is asked for once
 * per process (up to `cacheSize` tasks, the oldest forgotten first), and pages asking at the same time share one
 * request. A task Taiga does not have is not kept, nor is a failure.
 */
export function createTaigaTaskRefs(client: Pick<TaigaClient, 'getTask'>, cacheSize = 10_000): TaigaTaskRefs {
  const refs = new Map<number, number>();
  const asking = new Map<number, Promise<number | null>>();
  const ask = async (taskId: number): Promise<number | null> => {
    try {
      const task = await orNull(() => client.getTask(taskId));
      if (!task) return null;
      if (refs.size >= cacheSize) refs.delete(refs.keys().next().value!);
      refs.set(taskId, task.ref);
      return task.ref;
    } finally {
      asking.delete(taskId);
    }
  };
  return {
    refOf(taskId) {
      const known = refs.get(taskId);
      if (known !== undefined) return Promise.resolve(known);
      let pending = asking.get(taskId);
      if (!pending) {
        pending = ask(taskId);
        asking.set(taskId, pending);
      }
      return pending;
    },
  };
}
