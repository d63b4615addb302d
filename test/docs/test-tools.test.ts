import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '@tundra/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// A fresh clone on a fresh machine must pass the README's test command: the tests run promtool, prometheus,
// docker-compose, redis-server, git and chromium (the console's browser tests) for real, so the command installs whichever is missing.

const script = resolve(repoRoot, 'scripts/ensure-test-tools.sh');
const dir = mkdtempSync(join(tmpdir(), 'tundra-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PATH holding only bash, the shell utilities the script needs, `id` reporting root, and the given tools. */
function machine(name: string, tools: string[]): { bin: string; log: string } {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const util of ['bash', 'env', 'cat', 'true']) {
    symlinkSync(
      execFileSync('bash', ['-c', `command -v ${util}`], { encoding: 'utf8' }).trim(),
      join(bin, util),
    );
  }
  const stub = (file: string, body: string) => {
    writeFileSync(join(bin, file), `#!${join(bin, 'bash')}\n${body}\n`);
    chmodSync(join(bin, file), 0o755);
  };
  const log = join(dir, `${name}.log`);
  stub('id', 'echo 0');
  // apt-get, as far as the script can tell: it records what it was asked.
  stub('apt-get', `echo "apt-get $*" >> ${log}`);
  for (const tool of tools) stub(tool, 'exit 0');
  return { bin, log };
}

function ensure(bin: string) {
  return spawnSync(join(bin, 'bash'), [script], { env: { PATH: bin }, encoding: 'utf8' });
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

describe("the README's test command", () => {
  it('is pnpm test, which makes sure of the tools before running the tests, as .ci/run does', () => {
    const readme = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
    expect(readme).toMatch(/^pnpm test\b/m);
    const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.test).toMatch(/^bash scripts\/ensure-test-tools\.sh && vitest run/);
    expect(readFileSync(resolve(repoRoot, '.ci/run'), 'utf8')).toMatch(/^pnpm test$/m);
  });

  it('installs what a fresh machine lacks from Debian packages', () => {
    const { bin, log } = machine('fresh', []);
    const result = ensure(bin);
    expect(result.status, result.stderr).toBe(0);
    expect(read(log).trim().split('\n')).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq redis-server git prometheus docker-compose chromium',
    ]);
  });

  it('installs only what is missing, and nothing on a machine that has it all', () => {
    const partial = machine('partial', ['redis-server', 'git', 'promtool', 'prometheus', 'chromium']);
    expect(ensure(partial.bin).status).toBe(0);
    expect(read(partial.log)).toContain('apt-get install -y -qq docker-compose\n');
    const full = machine('full', [
      'redis-server',
      'git',
      'promtool',
      'prometheus',
      'docker-compose',
      'chromium',
    ]);
    expect(ensure(full.bin).status).toBe(0);
    expect(read(full.log)).toBe('');
  });

  it('says what to install, and fails, where it cannot install', () => {
    const { bin } = machine('no-root', ['redis-server', 'git']);
    writeFileSync(join(bin, 'id'), `#!${join(bin, 'bash')}\necho 1000\n`);
    const result = ensure(bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prometheus docker-compose');
  });
});
