import type { ProtocolRun, StepRun } from '@tundra/core';

export interface LinkOptions {
  /** Taiga's web front, e.g. `https://taiga.example.com`. */
  webUrl: string | null;
  /** Taiga's API root, e.g. `https://taiga.example.com/api/v1`. */
  apiUrl: string | null;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/** Links from runs and steps to what shows them in Taiga. */
export function createLinks(options: LinkOptions) {
  return {
    run(run: ProtocolRun, projectSlug: string | null): { taigaItem: string | null } {
      if (!options.webUrl || !projectSlug) return { taigaItem: null };
      const kind = run.taigaItem.type === 'userstory' ? 'us' : 'task';
      return { taigaItem: `${trim(options.webUrl)}/project/${projectSlug}/${kind}/${run.taigaItem.ref}` };
    },
    // The web front addresses tasks by ref, which a step does not record; the API resource is addressable by id.
    step(step: StepRun): { taigaTask: string | null } {
      if (!options.apiUrl || step.taigaTaskId === null) return { taigaTask: null };
      return { taigaTask: `${trim(options.apiUrl)}/tasks/${step.taigaTaskId}` };
    },
  };
}
export type Links = ReturnType<typeof createLinks>;
