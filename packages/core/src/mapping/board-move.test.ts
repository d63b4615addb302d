import { describe, expect, it } from 'vitest';
import { ProtocolRunStatus, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { StepRunStatus, stepRunMachine } from '../machine/step-run-machine.js';
import { interpretStoryMove, interpretTaskMove } from './board-move.js';
import { resolveStatusMapping } from './status-mapping.js';

const defaults = resolveStatusMapping({ preset: 'taiga-default' });
const tundra = resolveStatusMapping({ preset: 'tundra' });
const open = (slug: string) => ({ slug, isClosed: false });
const closed = (slug: string) => ({ slug, isClosed: true });

describe('interpretTaskMove', () => {
  it.each([
    // [mapping, step, moved to, expected action]
    ['taiga-default', 'needs_qa', closed('closed'), 'approve'],
    ['taiga-default', 'blocked', closed('closed'), 'approve'],
    ['taiga-default', 'needs_qa', open('needs-info'), 'reject'],
    ['taiga-default', 'needs_qa', open('in-progress'), 'reject'],
    ['taiga-default', 'blocked', open('needs-info'), 'ignore'],
    ['taiga-default', 'needs_qa', open('new'), 'ignore'],
    ['taiga-default', 'needs_qa', open('ready-for-test'), 'ignore'],
    ['taiga-default', 'running', closed('closed'), 'ignore'],
    ['taiga-default', 'pending', closed('closed'), 'ignore'],
    ['taiga-default', 'failed', closed('closed'), 'ignore'],
    ['taiga-default', 'completed', open('in-progress'), 'ignore'],
    ['taiga-default', 'cancelled', closed('closed'), 'ignore'],
    ['tundra', 'needs_qa', open('approved'), 'approve'],
    ['tundra', 'needs_qa', open('completed'), 'approve'],
    ['tundra', 'blocked', open('approved'), 'approve'],
    ['tundra', 'needs_qa', open('rejected'), 'reject'],
    ['tundra', 'blocked', open('rejected'), 'ignore'],
    // The tundra template marks rejected and canceled closed: neither may approve.
    ['tundra', 'needs_qa', closed('rejected'), 'reject'],
    ['tundra', 'blocked', closed('rejected'), 'ignore'],
    ['tundra', 'needs_qa', closed('canceled'), 'ignore'],
    ['tundra', 'needs_qa', open('in_progress'), 'ignore'],
    ['tundra', 'running', open('approved'), 'ignore'],
  ] as const)('%s: a %s step moved to %o → %s', (preset, step, to, action) => {
    const meaning = interpretTaskMove(preset === 'tundra' ? tundra : defaults, step, to);
    expect(meaning.action).toBe(action);
    if (meaning.action !== 'ignore') {
      // The event must be one the step machine accepts where it is returned.
      expect(stepRunMachine.table[step]).toHaveProperty(meaning.event);
    } else {
      expect(meaning.reason).not.toBe('');
    }
  });

  it('returns the machine events', () => {
    expect(interpretTaskMove(tundra, 'needs_qa', open('approved'))).toMatchObject({ event: 'approved' });
    expect(interpretTaskMove(tundra, 'needs_qa', open('rejected'))).toMatchObject({ event: 'qa_failed' });
  });

  it('follows overrides', () => {
    const mapping = resolveStatusMapping({
      preset: 'taiga-default',
      task: { completed: 'accepted', failed: 'redo' },
    });
    expect(interpretTaskMove(mapping, 'needs_qa', open('accepted')).action).toBe('approve');
    expect(interpretTaskMove(mapping, 'needs_qa', open('redo')).action).toBe('reject');
  });

  it('answers for every step status', () => {
    for (const step of Object.values(StepRunStatus)) {
      const meaning = interpretTaskMove(defaults, step, closed('closed'));
      expect(meaning.action).toBe(step === 'needs_qa' || step === 'blocked' ? 'approve' : 'ignore');
    }
  });
});

describe('interpretStoryMove', () => {
  it.each([
    ['taiga-default', 'running', closed('done'), 'cancel'],
    ['taiga-default', 'running', closed('archived'), 'cancel'],
    ['taiga-default', 'pending', closed('done'), 'cancel'],
    ['taiga-default', 'planning', closed('done'), 'cancel'],
    ['taiga-default', 'failed', closed('done'), 'cancel'],
    ['taiga-default', 'running', open('ready'), 'pause'],
    ['taiga-default', 'planned', open('ready'), 'pause'],
    ['taiga-default', 'planning', open('ready'), 'ignore'],
    ['taiga-default', 'paused', open('in-progress'), 'resume'],
    ['taiga-default', 'blocked', open('in-progress'), 'ignore'],
    ['taiga-default', 'running', open('new'), 'ignore'],
    ['taiga-default', 'running', open('in-progress'), 'ignore'],
    ['taiga-default', 'running', open('ready-for-test'), 'ignore'],
    ['taiga-default', 'completed', closed('archived'), 'ignore'],
    ['taiga-default', 'cancelled', closed('done'), 'ignore'],
    ['tundra', 'running', open('canceled'), 'cancel'],
    ['tundra', 'blocked', open('canceled'), 'cancel'],
    ['tundra', 'running', open('pending'), 'ignore'],
    ['tundra', 'paused', open('in_progress'), 'resume'],
    ['tundra', 'blocked', open('in_progress'), 'resume'],
    ['tundra', 'running', open('blocked'), 'ignore'],
    ['tundra', 'completed', open('canceled'), 'ignore'],
  ] as const)('%s: a %s run whose story moved to %o → %s', (preset, run, to, action) => {
    const meaning = interpretStoryMove(preset === 'tundra' ? tundra : defaults, run, to);
    expect(meaning.action).toBe(action);
    if (meaning.action !== 'ignore') {
      expect(protocolRunMachine.table[run]).toHaveProperty(meaning.event);
    }
  });

  it('returns the machine events', () => {
    expect(interpretStoryMove(defaults, 'running', closed('done'))).toMatchObject({ event: 'cancelled' });
    expect(interpretStoryMove(defaults, 'running', open('ready'))).toMatchObject({ event: 'paused' });
    expect(interpretStoryMove(defaults, 'paused', open('in-progress'))).toMatchObject({ event: 'resumed' });
  });

  it('starts a planned run moved to the running status, when planned shows in a status of its own', () => {
    const mapping = resolveStatusMapping({ preset: 'tundra', userStory: { planned: 'plan-review' } });
    expect(interpretStoryMove(mapping, 'planned', open('in_progress'))).toMatchObject({
      action: 'start',
      event: 'run_started',
    });
    // In the presets planned and running share a status: a run waiting there takes `/tundra go` instead.
    expect(interpretStoryMove(tundra, 'planned', open('in_progress')).action).toBe('ignore');
  });

  it('finds a pause status in an override', () => {
    const mapping = resolveStatusMapping({ preset: 'tundra', userStory: { paused: 'on-hold' } });
    expect(interpretStoryMove(mapping, 'running', open('on-hold')).action).toBe('pause');
  });

  it('ignores, with a reason, a closing move the run cannot take', () => {
    for (const run of Object.values(ProtocolRunStatus)) {
      const meaning = interpretStoryMove(defaults, run, closed('done'));
      const terminal = run === 'completed' || run === 'cancelled';
      expect(meaning.action).toBe(terminal ? 'ignore' : 'cancel');
    }
  });
});
