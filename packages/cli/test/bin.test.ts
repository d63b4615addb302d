import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from '../../../apps/api/test/harness.js';
import { tundra } from './tundra-process.js';

const run = promisify(execFile);

let h: ApiHarness;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  await h.putProject({ id: 'bin-project' });
  env = { TUNDRA_API_URL: h.url, TUNDRA_API_TOKEN: adminToken };
  dir = await mkdtemp(join(tmpdir(), 'tundra-bin-'));
});
afterAll(async () => {
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the tundra bin in the workspace', () => {
  it('runs from the sources, built or not: node packages/cli/bin/tundra.mjs', async () => {
    const help = await tundra(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tundra \[options\] \[command\]/);
    expect(help.stdout).toContain('Exit codes: 0 ok');
    const runsHelp = await tundra(['runs', 'tail', '--help'], env);
    expect(runsHelp.code).toBe(0);
    expect(runsHelp.stdout).toContain('Usage: tundra runs tail [options] <run-id>');
    const list = await tundra(['projects', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/bin-project\s+Demo project/);
  });

  it('is linked as node_modules/.bin/tundra (what pnpm exec tundra runs), and runs from any directory', async () => {
    const linked = join(repoRoot, 'node_modules/.bin/tundra');
    const list = await tundra(['projects', 'list', '--json'], env, { command: [linked], cwd: dir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).projects.map((p: { id: string }) => p.id)).toContain('bin-project');
  });
});

describe('tundra installed with pnpm deploy (docs/cli.md)', () => {
  let installed: string;
  let pathDir: string;

  // The documented route, step by step: build the CLI and what it needs at run time, deploy the package with its
  // production dependencies (the workspace's @tundra/core copied in) and put its bin on the PATH.
  beforeAll(async () => {
    installed = join(dir, 'tundra-cli');
    pathDir = join(dir, 'bin');
    await run('pnpm', ['--filter-prod', '@tundra/cli...', 'build'], { cwd: repoRoot });
    await run(
      'pnpm',
      [
        '--config.inject-workspace-packages=true',
        '--filter',
        '@tundra/cli',
        'deploy',
        '--prod',
        '--offline',
        installed,
      ],
      { cwd: repoRoot },
    );
    await mkdir(pathDir);
    await symlink(join(installed, 'bin/tundra.mjs'), join(pathDir, 'tundra'));
  }, 180_000);

  it('holds the build and no sources, and runs from the PATH against the API', async () => {
    expect(existsSync(join(installed, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules/@tundra/core/dist/index.js'))).toBe(true);
    const onPath = { ...env, PATH: `${pathDir}:${process.env.PATH ?? ''}` };
    const options = { command: ['tundra'], cwd: dir } as const;
    const help = await tundra(['--help'], onPath, options);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tundra \[options\] \[command\]/);
    const list = await tundra(['projects', 'list'], onPath, options);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/bin-project\s+Demo project/);
    const missing = await tundra(['runs', 'show', 'run_doesnotexist'], onPath, options);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error (NOT_FOUND)');
  });
});
