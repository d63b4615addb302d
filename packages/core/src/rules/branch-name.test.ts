import { describe, expect, it } from 'vitest';
import { runBranchName } from './branch-name.js';

describe('runBranchName', () => {
  it.each([
    [42, 'Add a login page', 'tundra/42-add-a-login-page'],
    [7, 'Crème brûlée: ÜBER-fast!', 'tundra/7-creme-brulee-uber-fast'],
    [3, '***', 'tundra/3'],
    [
      9,
      'a very long subject that goes on and on beyond forty characters',
      'tundra/9-a-very-long-subject-that-goes-on-and-on',
    ],
  ])('%i %s', (ref, subject, expected) => {
    expect(runBranchName(ref, subject)).toBe(expected);
  });
});
