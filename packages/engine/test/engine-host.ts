// A stand-in for an executor in tests: runs one engine through runEngineProcess, echoing its output lines, and
// waits for it. Tests kill this process with SIGKILL to play an executor's crash.
import { runEngineProcess } from '../src/run-engine-process.js';

const result = await runEngineProcess({
  command: process.argv.slice(2),
  cwd: process.cwd(),
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ENGINE_FIFO: process.env.ENGINE_FIFO ?? '' },
  timeoutMs: 600_000,
  killGraceMs: 300,
  onLine: (_stream, line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`ended ${result.outcome}\n`);
