// Runs one engine program as a child of this process, which `runEngineProcess` starts as the leader of a new
// process group, and takes the whole group down when the process that started it dies. That process holds the
// other end of fd 3: the kernel closes it on any death, SIGKILL included, when no exit handler runs, so the
// end-of-file on fd 3 is how the supervisor learns its executor is gone.
//
// Usage: node engine-supervisor.mjs <kill grace ms> <program> [args...]
// Exit: the engine's exit code, or death by the signal that killed the engine. When the engine cannot be started,
// a line `{"spawnError": "<message>"}` on fd 3 and exit code 127.
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';

const [graceArg, program, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);
if (!program || !Number.isFinite(graceMs)) {
  process.stderr.write('usage: engine-supervisor.mjs <kill grace ms> <program> [args...]\n');
  process.exit(2);
}

// Stopping an engine signals its whole group, this process included: the supervisor stays to report how the engine
// ended. A SIGKILL to the group ends it with the rest.
const ignored = ['SIGTERM', 'SIGINT', 'SIGHUP'];
for (const signal of ignored) process.on(signal, () => undefined);

const lifeline = new Socket({ fd: 3, readable: true, writable: true });
lifeline.on('error', () => undefined);

const engine = spawn(program, args, { stdio: 'inherit' });
engine.once('error', (error) => {
  lifeline.end(`${JSON.stringify({ spawnError: error.message })}\n`, () => process.exit(127));
});
let orphaned = false;
engine.once('exit', (code, signal) => {
  // Orphaned, nobody will reap what the engine left running in the group: take it all down now.
  if (orphaned) process.kill(-process.pid, 'SIGKILL');
  if (signal === null) process.exit(code ?? 1);
  // Die the way the engine died, so the executor sees the same signal it would without a supervisor.
  if (ignored.includes(signal)) process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});

lifeline.on('end', () => {
  if (orphaned) return;
  orphaned = true;
  // The executor is gone: nobody will read the engine's output or record its work. SIGTERM the group now, as a
  // cancel would, and SIGKILL it (this process included) once the grace period is over.
  process.kill(-process.pid, 'SIGTERM');
  setTimeout(() => process.kill(-process.pid, 'SIGKILL'), graceMs);
});
lifeline.resume();
