import { ScriptCode } from './codes.js';
import { defineScript, flatToHash } from './define-script.js';

/** What the create-run script answered, decoded once. */
export type CreateRunReply =
  | { kind: 'created'; eventId: string; hash: Record<string, string> }
  | { kind: 'exists'; runId: string };

/** `create-run.lua`: see its header. */
export const createRunScript = defineScript({
  name: 'create-run',
  keys: ['run', 'runEvents', 'projectEvents', 'activeItems', 'projectRuns', 'pendingRuns', 'itemRuns'],
  args: ['runId', 'itemKey', 'fields', 'event', 'runMaxLen', 'projectMaxLen', 'now'],
  decode(reply): CreateRunReply {
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { kind: 'created', eventId: String(reply[2]), hash: flatToHash(reply, 3) };
      case ScriptCode.Exists:
        return { kind: 'exists', runId: String(reply[1]) };
      default:
        throw new Error(`create-run.lua: unexpected reply ${JSON.stringify(reply)}`);
    }
  },
});
