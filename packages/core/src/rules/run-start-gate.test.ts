import { describe, expect, it } from 'vitest';
import type { TriggerRule } from '../contracts/project.js';
import { decideRunStart, type StartItemFacts } from './run-start-gate.js';

const open: StartItemFacts = { kind: 'found', closed: false, assignedToBot: true, statusSlug: 'new' };
const both: TriggerRule = { onBotAssignment: true, statusSlugs: ['ready'] };
const assignOnly: TriggerRule = { onBotAssignment: true, statusSlugs: [] };
const statusOnly: TriggerRule = { onBotAssignment: false, statusSlugs: ['ready'] };

describe('decideRunStart', () => {
  it.each([
    ['an open item still assigned to the bot', open, 'bot_assignment', assignOnly, { start: true }],
    [
      'an open item in a trigger status',
      { ...open, assignedToBot: false, statusSlug: 'ready' },
      'trigger_status',
      statusOnly,
      { start: true },
    ],
    [
      'a bot assignment still holding by status alone',
      { ...open, assignedToBot: false, statusSlug: 'ready' },
      'bot_assignment',
      both,
      { start: true },
    ],
    [
      'a deleted item',
      { kind: 'deleted' },
      'bot_assignment',
      assignOnly,
      { start: false, reason: 'deleted' },
    ],
    [
      'a closed item',
      { ...open, closed: true },
      'bot_assignment',
      assignOnly,
      { start: false, reason: 'closed' },
    ],
    [
      'a closed item an operator asked for',
      { ...open, closed: true },
      null,
      assignOnly,
      { start: false, reason: 'closed' },
    ],
    [
      'an item no longer assigned to the bot',
      { ...open, assignedToBot: false },
      'bot_assignment',
      assignOnly,
      { start: false, reason: 'not_triggered' },
    ],
    [
      'an item moved out of the trigger status',
      { ...open, assignedToBot: false, statusSlug: 'new' },
      'trigger_status',
      statusOnly,
      { start: false, reason: 'not_triggered' },
    ],
    [
      'an assignment when the project no longer starts on one',
      open,
      'bot_assignment',
      statusOnly,
      { start: false, reason: 'not_triggered' },
    ],
    [
      'an open unassigned item an operator asked for',
      { ...open, assignedToBot: false },
      null,
      assignOnly,
      { start: true },
    ],
  ] as const)('%s', (_what, facts, trigger, rule, expected) => {
    expect(decideRunStart(facts as StartItemFacts, { trigger: rule, triggeredBy: trigger })).toMatchObject(
      expected,
    );
  });

  it('says why in words', () => {
    const decision = decideRunStart(
      { ...open, assignedToBot: false },
      { trigger: assignOnly, triggeredBy: 'bot_assignment' },
    );
    expect(decision).toEqual({
      start: false,
      reason: 'not_triggered',
      message: 'it was started by bot_assignment, but the item is no longer assigned to the bot',
    });
  });
});
