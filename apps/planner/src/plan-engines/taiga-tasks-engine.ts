import { modelFromTags, type PlannedStep } from '@tundra/core';
import type { TaigaClient } from '@tundra/taiga';
import { tagNames } from '../planning/taiga-item-reader.js';
import { type PlanEngine, PlanFailedError, type PlanRequest } from './plan-engine.js';

/**
 * `taiga-tasks`: the story's own tasks, in the story's order (`us_order`), are the steps, each linked to its task.
 * A lone task is a one-step plan of itself.
 */
export function createTaigaTasksEngine(taiga: TaigaClient): PlanEngine {
  return {
    name: 'taiga-tasks',
    async plan({ project, item }: PlanRequest): Promise<PlannedStep[]> {
      if (item.type === 'task') {
        return [
          {
            title: item.subject,
            instructions: instructionsOf(item.subject, item.description),
            taigaTaskId: item.id,
            modelTag: modelFromTags(item.tags),
          },
        ];
      }
      const tasks = await taiga.listTasks(
        { project: project.taiga.projectId, user_story: item.id },
        'disable',
      );
      const open = tasks
        .filter((task) => !task.is_closed)
        .sort((a, b) => a.us_order - b.us_order || a.ref - b.ref);
      if (open.length === 0) {
        throw new PlanFailedError(
          `user story #${item.ref} has no open tasks to plan: add tasks to it, then re-plan`,
        );
      }
      const details = await Promise.all(open.map((task) => taiga.getTask(task.id)));
      return details.map((task) => ({
        title: task.subject,
        instructions: instructionsOf(task.subject, task.description ?? ''),
        taigaTaskId: task.id,
        modelTag: modelFromTags(tagNames(task.tags)),
      }));
    },
  };
}

function instructionsOf(subject: string, description: string): string {
  return description.trim() === '' ? subject : `${subject}\n\n${description.trim()}`;
}
