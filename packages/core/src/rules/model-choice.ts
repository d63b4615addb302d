import type { ModelSettings } from '../contracts/project.js';

const tagPrefix = 'model:';

/** The model a Taiga item's tags ask for (`model:<name>`, the prefix in any case), or null. The first one wins. */
export function modelFromTags(tags: readonly string[]): string | null {
  for (const tag of tags) {
    if (tag.toLowerCase().startsWith(tagPrefix)) {
      const name = tag.slice(tagPrefix.length).trim();
      if (name !== '') return name;
    }
  }
  return null;
}

/** Where a step's model came from, most specific first. */
export const ModelSource = {
  Fallback: 'fallback',
  TaskTag: 'task_tag',
  StoryTag: 'story_tag',
  Plan: 'plan',
  ProjectDefault: 'project_default',
  Preset: 'preset',
  None: 'none',
} as const;
export type ModelSource = (typeof ModelSource)[keyof typeof ModelSource];

export interface ModelRequest {
  /** `model:` tag of the step's Taiga task. */
  readonly taskTag: string | null;
  /** `model:` tag of the run's story (or of the run's task, for a run on a task). */
  readonly storyTag: string | null;
  /** The plan step's model. */
  readonly planned: string | null;
  /** The exec engine preset's own `model`. */
  readonly preset: string | null;
  /** This attempt follows a failed one. */
  readonly afterFailure: boolean;
}

export type ModelChoice =
  | { readonly kind: 'chosen'; readonly model: string | null; readonly source: ModelSource }
  | {
      readonly kind: 'refused';
      readonly model: string;
      readonly source: ModelSource;
      readonly reason: string;
    };

/**
 * The model of a step attempt: `fallbackModel` after a failure, else a `model:` tag on the task, then on the story,
 * the plan step's, the project's default, the preset's. What the project configured is always allowed; a model
 * asked for by a tag or the plan must be on the allow-list (`allowed`, `default`, `fallbackModel`, the preset's).
 * Null when nobody named one: the tool then uses its own default.
 */
export function chooseModel(request: ModelRequest, settings: ModelSettings | undefined): ModelChoice {
  if (request.afterFailure && settings?.fallbackModel) {
    return { kind: 'chosen', model: settings.fallbackModel, source: ModelSource.Fallback };
  }
  const asked: [string | null, ModelSource][] = [
    [request.taskTag, ModelSource.TaskTag],
    [request.storyTag, ModelSource.StoryTag],
    [request.planned, ModelSource.Plan],
  ];
  const allowed = new Set(
    [...(settings?.allowed ?? []), settings?.default, settings?.fallbackModel, request.preset].filter(
      (model): model is string => typeof model === 'string',
    ),
  );
  for (const [model, source] of asked) {
    if (model === null) continue;
    if (allowed.has(model)) return { kind: 'chosen', model, source };
    const list =
      allowed.size === 0 ? 'the project allows none' : `allowed: ${[...allowed].sort().join(', ')}`;
    return {
      kind: 'refused',
      model,
      source,
      reason: `model refused: "${model}" (from the ${sourceWords[source]}) is not on the project's allow-list (${list}); fix the tag or add the model to \`models.allowed\`, then resume the run`,
    };
  }
  if (settings?.default)
    return { kind: 'chosen', model: settings.default, source: ModelSource.ProjectDefault };
  if (request.preset) return { kind: 'chosen', model: request.preset, source: ModelSource.Preset };
  return { kind: 'chosen', model: null, source: ModelSource.None };
}

const sourceWords: Record<ModelSource, string> = {
  fallback: 'fallback model',
  task_tag: "task's tag",
  story_tag: "story's tag",
  plan: 'plan',
  project_default: "project's default",
  preset: "exec engine's preset",
  none: 'tool',
};
