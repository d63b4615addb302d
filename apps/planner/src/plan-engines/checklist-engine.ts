import { type PlannedStep, parseChecklist } from '@tundra/core';
import type { TaigaClient } from '@tundra/taiga';
import { type PlanEngine, PlanFailedError, type PlanRequest } from './plan-engine.js';

/**
 * `checklist`: the open items of a Markdown checklist in the story's description are the steps. Tundra creates
 * one Taiga task per step under the story so people see the plan on the board; a retried planning reuses the tasks
 * it created before (matched by subject) instead of creating them twice.
 */
export function createChecklistEngine(taiga: TaigaClient): PlanEngine {
  return {
    name: 'checklist',
    async plan({ project, item }: PlanRequest): Promise<PlannedStep[]> {
      const items = parseChecklist(item.description);
      if (items.length === 0) {
        throw new PlanFailedError(
          `#${item.ref} has no open checklist items ("- [ ] ...") in its description`,
        );
      }
      if (item.type === 'task') {
        // A task has no tasks of its own: the checklist steps all show on the task itself.
        return items.map((step) => ({ ...step, taigaTaskId: null }));
      }
      const existing = await taiga.listTasks(
        { project: project.taiga.projectId, user_story: item.id },
        'disable',
      );
      const steps: PlannedStep[] = [];
      for (const step of items) {
        const task =
          existing.find((candidate) => candidate.subject === step.title) ??
          (await taiga.createTask({
            project: project.taiga.projectId,
            user_story: item.id,
            subject: step.title,
            description: step.instructions,
          }));
        steps.push({ ...step, taigaTaskId: task.id });
      }
      return steps;
    },
  };
}
