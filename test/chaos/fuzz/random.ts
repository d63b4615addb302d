/**
 * A small seeded PRNG (mulberry32): the fuzzer's only source of randomness, so that a seed and a case number name
 * exactly one request, and a failure can be sent again.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for case `index` of stream `name` under `seed`: independent of how many cases ran before. */
  static forCase(seed: number, name: string, index: number): Random {
    let hash = seed ^ 0x9e3779b9;
    for (const char of `${name}:${index}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x85ebca6b) >>> 0;
    return new Random(hash);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Printable ASCII of length n. */
  text(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += String.fromCharCode(32 + this.int(95));
    return out;
  }
}
