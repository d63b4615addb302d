import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DemoSeed } from '../operations/seed.js';
import type { StoreSnapshot } from './store.js';
import type { IssuedToken } from './tokens.js';

/** What a state file holds: the records, the sessions (so clients stay logged in) and the demo seed. */
export interface SandboxState {
  version: 1;
  store: StoreSnapshot;
  tokens: [string, IssuedToken][];
  seed: DemoSeed | null;
}

// JSON has no dates: they are written as {"$date": ISO} and read back as Date objects.
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { $date: raw.toISOString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$date' in value && Object.keys(value).length === 1) {
    return new Date((value as { $date: string }).$date);
  }
  return value;
}

/**
 * The sandbox's state on disk. Saves are asked for after each change and made at most every `delayMs`, each
 * written aside and renamed into place, so a crash leaves the last complete state, never half of one.
 */
export class StateFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly current: () => SandboxState,
    private readonly delayMs = 100,
  ) {}

  /** The state saved before, or null when there is none yet. */
  load(): SandboxState | null {
    if (!existsSync(this.path)) return null;
    const state = JSON.parse(readFileSync(this.path, 'utf8'), reviver) as SandboxState;
    if (state.version !== 1) throw new Error(`${this.path}: unknown state version ${String(state.version)}`);
    return state;
  }

  changed(): void {
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Writes the state now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    const aside = `${this.path}.tmp-${process.pid}`;
    writeFileSync(aside, JSON.stringify(this.current(), replacer));
    renameSync(aside, this.path);
  }
}
