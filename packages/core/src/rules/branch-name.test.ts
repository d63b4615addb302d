import { describe, expect, it } from 'vitest';
import { runBranchName } from './branch-name.js';

describe('runBranchName', () => {
  it.each([
    ['shop', 42, 'Add a login page', 'tundra/shop/42-add-a-login-page'],
    ['shop', 7, 'Crème brûlée: ÜBER-fast!', 'tundra/shop/7-creme-brulee-uber-fast'],
    ['shop', 3, '***', 'tundra/shop/3'],
    [
      'shop-eu',
      9,
      'a very long subject that goes on and on beyond forty characters',
      'tundra/shop-eu/9-a-very-long-subject-that-goes-on-and-on',
    ],
  ])('%s %i %s', (projectId, ref, subject, expected) => {
    expect(runBranchName(projectId, ref, subject)).toBe(expected);
  });

  it('names the same item of two projects apart, so two projects on one repository never share a branch', () => {
    expect(runBranchName('shop', 1, 'Fix checkout')).not.toBe(runBranchName('shop-eu', 1, 'Fix checkout'));
  });
});
