import { ScriptCode } from './codes.js';
import { defineScript, flatToHash } from './define-script.js';

/** What the transition script answered, decoded once. Records come back as raw hashes for the caller's codec. */
export type TransitionReply =
  | { kind: 'applied'; version: number; eventId: string; correlationId: string; hash: Record<string, string> }
  | { kind: 'replayed'; version: number; eventId: string; effects: string[]; correlationId: string }
  | { kind: 'not_found' }
  | { kind: 'conflict'; status: string; version: number; hash: Record<string, string> };

const decodeJsonString = (value: unknown): string => {
  const text = String(value);
  return text === '' ? '' : (JSON.parse(text) as string);
};

/** `transition.lua`: see its header. */
export const transitionScript = defineScript({
  name: 'transition',
  keys: ['record', 'run', 'runEvents', 'projectEvents', 'idempotency', 'fromIndex', 'toIndex', 'activeItems'],
  args: [
    'expectedStatus',
    'expectedVersion',
    'newStatus',
    'patch',
    'event',
    'runMaxLen',
    'projectMaxLen',
    'idempotencyKey',
    'idempotencyTtl',
    'member',
    'releaseItem',
    'score',
    'effects',
  ],
  decode(reply): TransitionReply {
    switch (reply[0]) {
      case ScriptCode.Ok:
        return {
          kind: 'applied',
          version: Number(reply[1]),
          eventId: String(reply[2]),
          correlationId: decodeJsonString(reply[3]),
          hash: flatToHash(reply, 4),
        };
      case ScriptCode.Replayed:
        return {
          kind: 'replayed',
          version: Number(reply[1]),
          eventId: String(reply[2]),
          effects: String(reply[3]).split(',').filter(Boolean),
          correlationId: decodeJsonString(reply[4]),
        };
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.StatusMismatch:
      case ScriptCode.VersionMismatch:
        return {
          kind: 'conflict',
          status: String(reply[1]),
          version: Number(reply[2]),
          hash: flatToHash(reply, 3),
        };
      default:
        throw new Error(`transition.lua: unexpected reply ${JSON.stringify(reply)}`);
    }
  },
});
