import { describe, expect, it } from 'vitest';
import { tagNames } from './taiga-item-reader.js';

describe('tagNames', () => {
  it('takes the names of [name, color] pairs and of plain names, and skips anything else', () => {
    expect(tagNames([['model:opus', null], ['backend', '#fff'], 'plain', [42], null])).toEqual([
      'model:opus',
      'backend',
      'plain',
    ]);
    expect(tagNames(undefined)).toEqual([]);
  });
});
