import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeCliEnv } from './fake-clis.js';

const dir = mkdtempSync(join(tmpdir(), 'tundra-fake-clis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], input = 'Do the thing.\n') {
  const [program, ...args] = argv;
  return spawnSync(program!, args, { cwd: dir, env: fakeCliEnv(), input, encoding: 'utf8' });
}

describe('the fake CLIs check the argv as their tools do', () => {
  it.each([
    {
      argv: ['claude', '-p', '--output-format', 'stream-json'],
      stderr: 'Error: When using --print, --output-format=stream-json requires --verbose',
    },
    { argv: ['codex', 'exec', '-'], stderr: 'fake codex: only --json output is faked' },
    {
      argv: ['aider', '--message', 'hi'],
      stderr: 'fake aider: without --yes-always aider would wait for answers',
    },
  ])('$argv.0 refuses $argv', ({ argv, stderr }) => {
    const result = run(argv);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(stderr);
    expect(result.stdout).toBe('');
  });

  it('claude wants a prompt', () => {
    const result = run(['claude', '-p', '--output-format', 'stream-json', '--verbose'], '');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Error: Input must be provided/);
  });
});
