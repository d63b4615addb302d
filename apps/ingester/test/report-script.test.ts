import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, secrets, startTestIngester, type TestIngester } from './harness.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
let ingester: TestIngester;
beforeAll(async () => {
  ingester = await startTestIngester();
});
afterAll(async () => ingester?.stop());

/** Runs `bash scripts/ci/report.sh ...args` with only the given environment (plus PATH). */
async function report(args: string[], env: Record<string, string>) {
  const child = spawn('bash', ['scripts/ci/report.sh', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

const githubActions = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_REF_NAME: 'tundra/run-abc',
  GITHUB_SHA: '3484a3fb816e0859fd6e1cea078d76385ff50625',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '289782451',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'test',
};

describe('scripts/ci/report.sh', () => {
  it("reports a GitHub Actions run from its environment, and the job is enqueued for the repository's project", async () => {
    const env = {
      ...githubActions,
      TUNDRA_API_BASE: `${ingester.url}/`,
      TUNDRA_CI_TOKEN: secrets.TUNDRA_CI_TOKEN,
    };
    const result = await report(['success'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { deliveryId, jobs } = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      deliveryId: string;
      jobs: string[];
    };
    const job = await ingester.job(QueueName.Qa, jobs[0]!);
    expect(job?.data).toEqual({
      projectId: 'demo',
      correlationId: deliveryId,
      sourceEventId: deliveryId,
      repository: 'octo-org/octo-repo',
      branch: 'tundra/run-abc',
      sha: '3484a3fb816e0859fd6e1cea078d76385ff50625',
      outcome: 'success',
      url: 'https://github.com/octo-org/octo-repo/actions/runs/289782451',
    });

    // The same run reported again (a retried step) is the same delivery: recorded once.
    const again = await report(['success'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('"duplicate":true');
  });

  it('takes everything from options outside GitHub Actions and GitLab CI', async () => {
    const result = await report(
      [
        'failure',
        '--repository',
        'acme/other',
        '--branch',
        'feature "x"',
        '--project',
        'demo',
        '--sha',
        'abcdef1',
      ],
      { TUNDRA_API_BASE: ingester.url, TUNDRA_CI_TOKEN: secrets.TUNDRA_CI_TOKEN },
    );
    expect(result.code).toBe(0);
    const { jobs } = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { jobs: string[] };
    const job = await ingester.job(QueueName.Qa, jobs[0]!);
    expect(job?.data).toMatchObject({
      projectId: 'demo',
      branch: 'feature "x"',
      outcome: 'failure',
      sha: 'abcdef1',
      url: null,
    });
  });

  it('fails without the token, and on a usage error', async () => {
    const refused = await report(['success'], {
      ...githubActions,
      TUNDRA_API_BASE: ingester.url,
      TUNDRA_CI_TOKEN: 'wrong-token-123456',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bad_signature');
    expect((await report(['maybe'], {})).code).toBe(2);
    expect((await report(['success'], { TUNDRA_API_BASE: ingester.url, TUNDRA_CI_TOKEN: 'x' })).code).toBe(2);
  });
});
