import calculateSlot from 'cluster-key-slot';
import { NonRetryableError } from '../errors.js';

/** A script was about to run on keys of several slots: Redis Cluster would refuse it (CROSSSLOT), a bug. */
export class CrossSlotScriptError extends NonRetryableError {
  readonly code = 'CROSS_SLOT_SCRIPT';
  constructor(
    readonly script: string,
    readonly keys: readonly string[],
  ) {
    super(`${script}.lua would touch keys of several Redis Cluster slots: ${keys.join(', ')}`);
  }
}

/** The Redis Cluster slot of a key (the same function ioredis routes commands with). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/**
 * Throws unless every key is in one slot. Run before each script on one Redis too, where nothing would fail: a key
 * built without its project's tag shows up in every test, not first on a Cluster.
 */
export function assertOneSlot(script: string, keys: readonly string[]): void {
  const first = keys[0];
  if (first === undefined) return;
  const slot = keySlot(first);
  for (const key of keys) if (keySlot(key) !== slot) throw new CrossSlotScriptError(script, keys);
}
