import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('the fuzzer’s Random', () => {
  it('gives the same values for the same seed and case, and others for another case or seed', () => {
    const draw = (random: Random) => [random.int(1_000_000), random.text(8), random.bytes(4).toString('hex')];
    expect(draw(Random.forCase(42, 'api', 7))).toEqual(draw(Random.forCase(42, 'api', 7)));
    expect(draw(Random.forCase(42, 'api', 7))).not.toEqual(draw(Random.forCase(42, 'api', 8)));
    expect(draw(Random.forCase(42, 'api', 7))).not.toEqual(draw(Random.forCase(43, 'api', 7)));
    expect(draw(Random.forCase(42, 'api', 7))).not.toEqual(draw(Random.forCase(42, 'ingester', 7)));
  });

  it('stays within its bounds', () => {
    const random = new Random(1);
    for (let i = 0; i < 10_000; i++) {
      const value = random.between(3, 5);
      expect(value >= 3 && value <= 5).toBe(true);
      expect(random.next()).toBeLessThan(1);
    }
  });
});
