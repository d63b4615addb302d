import { describe, expect, it } from 'vitest';
import { ProtocolRunStatus, protocolRunMachine } from '../machine/protocol-run-machine.js';
import { StepRunStatus, stepRunMachine } from '../machine/step-run-machine.js';
import { interpretLoneTaskMove } from './lone-task-move.js';
import { type ResolvedStatusMapping, resolveStatusMapping } from './status-mapping.js';

const defaults = resolveStatusMapping({ preset: 'taiga-default' });
const tundra = resolveStatusMapping({ preset: 'tundra' });
const open = (slug: string) => ({ slug, isClosed: false });
const closed = (slug: string) => ({ slug, isClosed: true });

/** The task as the write-back shows it while the run is active: its step's status, else `pending`. */
function loneTask(mapping: ResolvedStatusMapping, run: ProtocolRunStatus, step: StepRunStatus | null) {
  return {
    run,
    step: step === null ? null : { id: 'step-1', status: step },
    shows: mapping.task[step ?? 'pending'],
  };
}

describe('interpretLoneTaskMove', () => {
  it.each([
    // [preset, run, step on the task, moved to, expected target, expected action]
    // A step waiting for a decision takes the move first.
    ['taiga-default', 'running', 'needs_qa', closed('closed'), 'step', 'approve'],
    ['taiga-default', 'paused', 'needs_qa', closed('closed'), 'step', 'approve'],
    ['taiga-default', 'blocked', 'blocked', closed('closed'), 'step', 'approve'],
    ['taiga-default', 'running', 'needs_qa', open('in-progress'), 'step', 'reject'],
    ['taiga-default', 'running', 'needs_qa', open('needs-info'), 'step', 'reject'],
    ['tundra', 'running', 'needs_qa', open('approved'), 'step', 'approve'],
    ['tundra', 'running', 'needs_qa', closed('approved'), 'step', 'approve'],
    ['tundra', 'running', 'needs_qa', closed('completed'), 'step', 'approve'],
    ['tundra', 'blocked', 'blocked', closed('approved'), 'step', 'approve'],
    ['tundra', 'running', 'needs_qa', closed('rejected'), 'step', 'reject'],
    // When the step decides nothing, the run hears the move: closing ends it.
    ['taiga-default', 'running', 'running', closed('closed'), 'run', 'cancel'],
    ['taiga-default', 'running', 'pending', closed('closed'), 'run', 'cancel'],
    ['taiga-default', 'paused', 'pending', closed('closed'), 'run', 'cancel'],
    ['taiga-default', 'failed', 'failed', closed('closed'), 'run', 'cancel'],
    ['taiga-default', 'planning', null, closed('closed'), 'run', 'cancel'],
    ['taiga-default', 'pending', null, closed('closed'), 'run', 'cancel'],
    ['tundra', 'running', 'running', closed('canceled'), 'run', 'cancel'],
    ['tundra', 'running', 'running', closed('approved'), 'run', 'cancel'],
    ['tundra', 'running', 'needs_qa', closed('canceled'), 'run', 'cancel'],
    ['tundra', 'blocked', 'blocked', closed('rejected'), 'run', 'cancel'],
    ['tundra', 'planned', 'pending', open('canceled'), 'run', 'cancel'],
    // The pending status pauses; in taiga-default it is shared with cancelled only, and read as the pause.
    ['taiga-default', 'running', 'running', open('new'), 'run', 'pause'],
    ['taiga-default', 'running', 'needs_qa', open('new'), 'run', 'pause'],
    ['tundra', 'running', 'running', open('pending'), 'run', 'pause'],
    ['tundra', 'running', 'needs_qa', open('pending'), 'run', 'pause'],
    ['tundra', 'blocked', 'blocked', open('pending'), 'none', 'ignore'],
    // The running status resumes a paused or blocked run.
    ['taiga-default', 'paused', 'pending', open('in-progress'), 'run', 'resume'],
    ['taiga-default', 'blocked', 'blocked', open('in-progress'), 'run', 'resume'],
    ['taiga-default', 'blocked', 'failed', open('in-progress'), 'run', 'resume'],
    ['taiga-default', 'blocked', 'completed', open('in-progress'), 'run', 'resume'],
    ['tundra', 'paused', 'pending', open('in_progress'), 'run', 'resume'],
    ['tundra', 'blocked', 'blocked', open('in_progress'), 'run', 'resume'],
    ['taiga-default', 'failed', 'failed', open('in-progress'), 'none', 'ignore'],
    ['taiga-default', 'planning', null, open('in-progress'), 'none', 'ignore'],
    ['tundra', 'planned', 'pending', open('in_progress'), 'none', 'ignore'],
    // Where the task shows already, or a status that means nothing here.
    ['taiga-default', 'running', 'pending', open('new'), 'none', 'ignore'],
    ['taiga-default', 'planned', 'pending', open('new'), 'none', 'ignore'],
    ['taiga-default', 'running', 'completed', closed('closed'), 'none', 'ignore'],
    ['taiga-default', 'running', 'running', open('ready-for-test'), 'none', 'ignore'],
    ['taiga-default', 'running', 'running', open('needs-info'), 'none', 'ignore'],
    ['taiga-default', 'running', 'running', open('in-progress'), 'none', 'ignore'],
    ['tundra', 'running', 'pending', open('pending'), 'none', 'ignore'],
    ['tundra', 'running', 'running', open('blocked'), 'none', 'ignore'],
    ['tundra', 'running', 'needs_qa', open('in_progress'), 'none', 'ignore'],
    // A terminal run does not follow the board.
    ['taiga-default', 'completed', 'completed', open('new'), 'none', 'ignore'],
    ['taiga-default', 'cancelled', 'cancelled', closed('closed'), 'none', 'ignore'],
    ['tundra', 'cancelled', 'cancelled', open('in_progress'), 'none', 'ignore'],
  ] as const)('%s: a %s run, step %s, task moved to %o → %s %s', (preset, run, step, to, target, action) => {
    const mapping = preset === 'tundra' ? tundra : defaults;
    const meaning = interpretLoneTaskMove(mapping, loneTask(mapping, run, step), to);
    expect(meaning.reason).not.toBe('');
    expect({ target: meaning.target, action: meaning.action }).toEqual({ target, action });
    // An event is returned only where its machine accepts it.
    if (meaning.target === 'step')
      expect(stepRunMachine.table[meaning.step.status]).toHaveProperty(meaning.event);
    if (meaning.target === 'run') expect(protocolRunMachine.table[run]).toHaveProperty(meaning.event);
  });

  it('returns the machine events and the step it decides', () => {
    const approve = interpretLoneTaskMove(
      defaults,
      loneTask(defaults, 'running', 'needs_qa'),
      closed('closed'),
    );
    expect(approve).toMatchObject({ target: 'step', event: 'approved', step: { id: 'step-1' } });
    const reject = interpretLoneTaskMove(tundra, loneTask(tundra, 'running', 'needs_qa'), open('rejected'));
    expect(reject).toMatchObject({ target: 'step', event: 'qa_failed' });
    const cancel = interpretLoneTaskMove(
      defaults,
      loneTask(defaults, 'running', 'running'),
      closed('closed'),
    );
    expect(cancel).toMatchObject({ target: 'run', event: 'cancelled' });
    const pause = interpretLoneTaskMove(tundra, loneTask(tundra, 'running', 'running'), open('pending'));
    expect(pause).toMatchObject({ target: 'run', event: 'paused' });
    const resume = interpretLoneTaskMove(tundra, loneTask(tundra, 'paused', 'pending'), open('in_progress'));
    expect(resume).toMatchObject({ target: 'run', event: 'resumed' });
  });

  it('closing the task approves a waiting step, and otherwise cancels any non-terminal run', () => {
    for (const run of Object.values(ProtocolRunStatus)) {
      for (const step of [null, ...Object.values(StepRunStatus)]) {
        const meaning = interpretLoneTaskMove(defaults, loneTask(defaults, run, step), closed('closed'));
        const expected =
          run === 'completed' || run === 'cancelled' || step === 'completed'
            ? 'ignore'
            : step === 'needs_qa' || step === 'blocked'
              ? 'approve'
              : 'cancel';
        expect(meaning.action, `${run} run, step ${step}`).toBe(expected);
      }
    }
  });

  it('follows overrides of the task statuses', () => {
    const mapping = resolveStatusMapping({
      preset: 'tundra',
      task: { pending: 'on-hold', running: 'doing', cancelled: 'dropped' },
    });
    expect(
      interpretLoneTaskMove(mapping, loneTask(mapping, 'running', 'running'), open('on-hold')).action,
    ).toBe('pause');
    expect(interpretLoneTaskMove(mapping, loneTask(mapping, 'paused', 'pending'), open('doing')).action).toBe(
      'resume',
    );
    expect(
      interpretLoneTaskMove(mapping, loneTask(mapping, 'running', 'running'), open('dropped')).action,
    ).toBe('cancel');
    // The preset's slugs mean nothing once overridden.
    expect(
      interpretLoneTaskMove(mapping, loneTask(mapping, 'running', 'running'), open('pending')).action,
    ).toBe('ignore');
  });

  it('reads the task statuses, never the story statuses', () => {
    // 'ready' pauses a taiga-default story; a task has no such status, so it means nothing for a lone task.
    const meaning = interpretLoneTaskMove(defaults, loneTask(defaults, 'running', 'running'), open('ready'));
    expect(meaning.action).toBe('ignore');
  });
});
