import type { ProtocolRun, StepRun } from '@tundra/core';
import type { Logger } from 'pino';
import type { TaigaTaskRefs } from './ports.js';

export interface LinkOptions {
  /** Taiga's web front, e.g. `https://taiga.example.com`: the links for people. */
  webUrl: string | null;
  /** Taiga's API root, e.g. `https://taiga.example.com/api/v1`: the links for programs. */
  apiUrl: string | null;
}

export interface LinkDeps {
  options: LinkOptions;
  /** Where the web links of steps get their tasks' refs. */
  taskRefs: TaigaTaskRefs;
  logger: Logger;
  /** How long a page waits for Taiga to tell a task's ref before it answers without that link. */
  refTimeoutMs?: number;
}

export interface RunLinks {
  /** The item's page on Taiga's web front: `<web>/project/<slug>/us/<ref>` or `…/task/<ref>`. */
  taigaItem: string | null;
}

export interface StepLinks {
  /** The step's task on Taiga's web front: `<web>/project/<slug>/task/<ref>`. */
  taigaTask: string | null;
  /** The step's task in Taiga's API: `<api>/tasks/<id>`. */
  taigaTaskApi: string | null;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * Links from runs and steps to Taiga. The web front addresses items by project slug and ref; a run records its
 * item's ref, a step only its task's id, so step links ask Taiga for the ref (once per task: refs never change).
 * A link Taiga cannot help with in time is null: links never fail the page that shows them, nor hold it up for
 * longer than `refTimeoutMs` (2 s).
 */
export function createLinks(deps: LinkDeps) {
  const { options, taskRefs, logger } = deps;
  const refTimeoutMs = deps.refTimeoutMs ?? 2_000;
  const webUrl = options.webUrl === null ? null : trim(options.webUrl);
  const apiUrl = options.apiUrl === null ? null : trim(options.apiUrl);

  const taskRef = async (taskId: number): Promise<number | null> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), refTimeoutMs);
    });
    try {
      return await Promise.race([taskRefs.refOf(taskId), timeout]);
    } catch (error) {
      logger.warn({ err: error, taskId }, 'could not read a task ref from Taiga: its link is left out');
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  const stepLinks = async (step: StepRun, projectSlug: string | null): Promise<StepLinks> => {
    const taskId = step.taigaTaskId;
    if (taskId === null) return { taigaTask: null, taigaTaskApi: null };
    const ref = webUrl !== null && projectSlug !== null ? await taskRef(taskId) : null;
    return {
      taigaTask: ref === null ? null : `${webUrl}/project/${projectSlug}/task/${ref}`,
      taigaTaskApi: apiUrl === null ? null : `${apiUrl}/tasks/${taskId}`,
    };
  };

  return {
    run(run: ProtocolRun, projectSlug: string | null): RunLinks {
      if (webUrl === null || projectSlug === null) return { taigaItem: null };
      const kind = run.taigaItem.type === 'userstory' ? 'us' : 'task';
      return { taigaItem: `${webUrl}/project/${projectSlug}/${kind}/${run.taigaItem.ref}` };
    },
    step: stepLinks,
    /** The links of a run's steps, in the same order, looked up together. */
    steps(steps: readonly StepRun[], projectSlug: string | null): Promise<StepLinks[]> {
      return Promise.all(steps.map((step) => stepLinks(step, projectSlug)));
    },
  };
}
export type Links = ReturnType<typeof createLinks>;
