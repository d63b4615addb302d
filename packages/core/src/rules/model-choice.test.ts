import { describe, expect, it } from 'vitest';
import { chooseModel, type ModelRequest, modelFromTags } from './model-choice.js';

const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  taskTag: null,
  storyTag: null,
  planned: null,
  preset: null,
  afterFailure: false,
  ...over,
});
const settings = { default: 'sonnet', allowed: ['opus', 'haiku'], fallbackModel: 'opus' };

describe('modelFromTags', () => {
  it('takes the first model: tag, in any case', () => {
    expect(modelFromTags(['backend', 'Model:opus', 'model:haiku'])).toBe('opus');
    expect(modelFromTags(['backend', 'model:'])).toBeNull();
  });
});

describe('chooseModel', () => {
  it.each([
    [request({ taskTag: 'haiku', storyTag: 'opus', planned: 'opus' }), 'haiku', 'task_tag'],
    [request({ storyTag: 'opus', planned: 'haiku' }), 'opus', 'story_tag'],
    [request({ planned: 'haiku' }), 'haiku', 'plan'],
    [request({ preset: 'gpt-5-codex' }), 'sonnet', 'project_default'],
    [request({ taskTag: 'haiku', afterFailure: true }), 'opus', 'fallback'],
  ])('%j → %s from %s', (req, model, source) => {
    expect(chooseModel(req, settings)).toEqual({ kind: 'chosen', model, source });
  });

  it('takes the preset model, or none, without project settings', () => {
    expect(chooseModel(request({ preset: 'gpt-5-codex' }), undefined)).toEqual({
      kind: 'chosen',
      model: 'gpt-5-codex',
      source: 'preset',
    });
    expect(chooseModel(request(), undefined)).toEqual({ kind: 'chosen', model: null, source: 'none' });
  });

  it('refuses a tag outside the allow-list, saying which and what is allowed', () => {
    const choice = chooseModel(request({ taskTag: 'gpt-9', storyTag: 'opus' }), settings);
    expect(choice).toMatchObject({ kind: 'refused', model: 'gpt-9', source: 'task_tag' });
    expect(choice.kind === 'refused' && choice.reason).toBe(
      'model refused: "gpt-9" (from the task\'s tag) is not on the project\'s allow-list (allowed: haiku, opus, sonnet); fix the tag or add the model to `models.allowed`, then resume the run',
    );
    expect(chooseModel(request({ storyTag: 'x' }), undefined)).toMatchObject({ kind: 'refused' });
  });
});
