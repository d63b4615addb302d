import { describe, expect, it } from 'vitest';
import { StateTag, stateTagFor, stateTagsPatch } from './state-tags.js';

const plain = { planApproval: false, manualQa: false };

describe('stateTagFor', () => {
  it.each([
    ['running', [], plain, StateTag.Running],
    ['planned', [], { ...plain, planApproval: true }, StateTag.NeedsHuman],
    ['planned', [], plain, StateTag.Running],
    ['running', [{ status: 'needs_qa' }], { ...plain, manualQa: true }, StateTag.NeedsHuman],
    ['running', [{ status: 'needs_qa' }], plain, StateTag.Running],
    ['blocked', [], plain, StateTag.Blocked],
    ['failed', [], plain, StateTag.Blocked],
    ['completed', [], plain, StateTag.Done],
    ['paused', [], plain, null],
    ['cancelled', [], plain, null],
  ] as const)('a %s run with steps %j (%j): %s', (status, steps, options, tag) => {
    expect(stateTagFor({ status }, steps, options)).toBe(tag);
  });
});

describe('stateTagsPatch', () => {
  it("swaps Tundra's tag and leaves people's tags alone", () => {
    expect(
      stateTagsPatch(
        [
          ['backend', null],
          ['tundra:running', '#aaa'],
        ],
        StateTag.Done,
      ),
    ).toEqual(['backend', 'tundra:done']);
    expect(stateTagsPatch([['tundra:blocked', null]], null)).toEqual([]);
  });

  it('is null when the tags are right already', () => {
    expect(
      stateTagsPatch(
        [
          ['tundra:done', null],
          ['x', null],
        ],
        StateTag.Done,
      ),
    ).toBeNull();
    expect(stateTagsPatch([['x', null]], null)).toBeNull();
  });
});
