import { describe, expect, it } from 'vitest';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { StepRunStatus } from '../machine/step-run-machine.js';
import {
  desiredTaskState,
  desiredUserStoryState,
  resolveStatusMapping,
  statusMappingPresets,
} from './status-mapping.js';

const defaults = resolveStatusMapping({ preset: 'taiga-default' });
const tundra = resolveStatusMapping({ preset: 'tundra' });

describe('desiredTaskState', () => {
  it.each([
    // [status, taiga-default slug, tundra slug]
    ['pending', 'new', 'pending'],
    ['running', 'in-progress', 'in_progress'],
    ['needs_qa', 'ready-for-test', 'in_progress'],
    ['completed', 'closed', 'completed'],
    ['failed', 'needs-info', 'rejected'],
    ['cancelled', 'new', 'canceled'],
    ['blocked', 'needs-info', 'blocked'],
  ] as const)('%s → %s (taiga-default) / %s (tundra)', (status, defaultSlug, tundraSlug) => {
    const blocked = status === 'blocked';
    const note = blocked ? 'CI is red' : '';
    expect(desiredTaskState(defaults, status, 'CI is red')).toEqual({
      statusSlug: defaultSlug,
      isBlocked: blocked,
      blockedNote: note,
    });
    expect(desiredTaskState(tundra, status, 'CI is red')).toEqual({
      statusSlug: tundraSlug,
      isBlocked: blocked,
      blockedNote: note,
    });
  });

  it('covers every StepRun status in both presets', () => {
    for (const preset of Object.values(statusMappingPresets)) {
      expect(Object.keys(preset.task).sort()).toEqual(Object.values(StepRunStatus).sort());
    }
  });

  it('gives a blocked step a note even without a reason', () => {
    expect(desiredTaskState(tundra, 'blocked')).toEqual({
      statusSlug: 'blocked',
      isBlocked: true,
      blockedNote: 'Blocked by Tundra',
    });
  });
});

describe('desiredUserStoryState', () => {
  it.each([
    ['pending', 'new', 'pending'],
    ['planning', 'in-progress', 'in_progress'],
    ['planned', 'in-progress', 'in_progress'],
    ['running', 'in-progress', 'in_progress'],
    ['paused', 'ready', 'pending'],
    ['blocked', 'in-progress', 'blocked'],
    ['failed', 'new', 'rejected'],
    ['cancelled', 'new', 'canceled'],
    ['completed', 'done', 'completed'],
  ] as const)('%s → %s (taiga-default) / %s (tundra)', (status, defaultSlug, tundraSlug) => {
    const blocked = status === 'blocked';
    expect(desiredUserStoryState(defaults, status, 'waiting for CI')).toEqual({
      statusSlug: defaultSlug,
      isBlocked: blocked,
      blockedNote: blocked ? 'waiting for CI' : '',
    });
    expect(desiredUserStoryState(tundra, status, 'waiting for CI').statusSlug).toBe(tundraSlug);
  });

  it('covers every ProtocolRun status in both presets', () => {
    for (const preset of Object.values(statusMappingPresets)) {
      expect(Object.keys(preset.userStory).sort()).toEqual(Object.values(ProtocolRunStatus).sort());
    }
  });
});

describe('resolveStatusMapping', () => {
  it('lays overrides over the preset and keeps the rest', () => {
    const mapping = resolveStatusMapping({
      preset: 'taiga-default',
      task: { needs_qa: 'in-review', blocked: 'in-progress' },
      userStory: { completed: 'ready-for-test' },
    });
    expect(mapping.task.needs_qa).toBe('in-review');
    expect(mapping.task.blocked).toBe('in-progress');
    expect(mapping.task.running).toBe('in-progress');
    expect(mapping.userStory.completed).toBe('ready-for-test');
    expect(mapping.userStory.pending).toBe('new');
    expect(desiredTaskState(mapping, 'blocked', 'x')).toEqual({
      statusSlug: 'in-progress',
      isBlocked: true,
      blockedNote: 'x',
    });
  });

  it('does not let an override leak into the preset', () => {
    resolveStatusMapping({ preset: 'tundra', task: { running: 'doing' } });
    expect(resolveStatusMapping({ preset: 'tundra' }).task.running).toBe('in_progress');
  });
});
