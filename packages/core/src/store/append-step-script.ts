import { ScriptCode } from './codes.js';
import { defineScript, flatToHash } from './define-script.js';

/** What the append-step script answered, decoded once. */
export type AppendStepReply =
  | { kind: 'appended'; hash: Record<string, string> }
  | { kind: 'exists' }
  | { kind: 'not_found' }
  | { kind: 'status_mismatch'; status: string };

/** `append-step.lua`: see its header. */
export const appendStepScript = defineScript({
  name: 'append-step',
  keys: ['run', 'runSteps', 'stepIndex', 'pendingSteps', 'step', 'runEvents', 'projectEvents', 'taskSteps'],
  args: [
    'expectedStatus',
    'stepId',
    'order',
    'fields',
    'event',
    'runMaxLen',
    'projectMaxLen',
    'now',
    'runId',
    'taskId',
  ],
  decode(reply): AppendStepReply {
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { kind: 'appended', hash: flatToHash(reply, 3) };
      case ScriptCode.Exists:
        return { kind: 'exists' };
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.StatusMismatch:
        return { kind: 'status_mismatch', status: String(reply[1]) };
      default:
        throw new Error(`append-step.lua: unexpected reply ${JSON.stringify(reply)}`);
    }
  },
});
