import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeCliBehaviour, fakeCliEnv, runGit } from '@tundra/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngineRunner } from '../engine-runner.js';
import type { EngineAccount } from './engine-account.js';
import type { AgentPreset, PriceTable } from './engine-preset.js';
import { composePrompt } from './prompt.js';

let root: string;
let worktree: string;
let registry: Registry;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tundra-presets-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runs = 0;
beforeEach(() => {
  worktree = join(root, `wt-${++runs}`);
  runGit(root, 'init', '--quiet', worktree);
  registry = new Registry();
});

const prompt = {
  instructions: '# Add a greeting\n\nCreate the greeting file.\n',
  context: { path: '/var/tundra/ctx/context.md', content: '# Story #42\n\nGreet people.' },
};
const prices: PriceTable = {
  'claude-sonnet-4-5': {
    inputPerMTok: 3,
    outputPerMTok: 15,
    cachedInputPerMTok: 0.3,
    cacheWritePerMTok: 3.75,
  },
  'gpt-5-codex': { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
};

const presets = {
  claude: { kind: 'claude-code', model: 'claude-sonnet-4-5', allowedTools: ['Edit', 'Bash(npm test)'] },
  codex: { kind: 'codex', model: 'gpt-5-codex' },
  aider: { kind: 'aider', model: 'anthropic/claude-sonnet-4-5' },
} satisfies Record<string, AgentPreset>;
type Tool = keyof typeof presets;

/** Runs a preset against its fake CLI as a real child process, collecting its log lines and accounts. */
async function run(
  tool: Tool,
  behaviour: FakeCliBehaviour = {},
  extra: { signal?: AbortSignal; onAccount?: (a: EngineAccount) => void; timeoutMs?: number } = {},
) {
  const log: string[] = [];
  const accounts: EngineAccount[] = [];
  const recordTo = join(worktree, '..', `received-${runs}.json`);
  const result = await createEngineRunner({ registry, killGraceMs: 500 }).runPreset({
    kind: 'exec',
    engine: presets[tool],
    prompt,
    prices,
    cwd: worktree,
    env: fakeCliEnv(
      { recordTo, ...behaviour },
      { PATH: process.env.PATH, HOME: root, SECRET_KEY: 'sk-live-0123456789' },
    ),
    timeoutMs: extra.timeoutMs ?? 20_000,
    ...(extra.signal ? { signal: extra.signal } : {}),
    onLine: (_stream, line) => log.push(line),
    onAccount: (account) => {
      accounts.push(account);
      extra.onAccount?.(account);
    },
  });
  const received = (() => {
    try {
      return JSON.parse(readFileSync(recordTo, 'utf8')) as { argv: string[]; prompt: string; cwd: string };
    } catch {
      return null;
    }
  })();
  return { result, log, accounts, received };
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = (await registry.getSingleMetric(name)?.get())?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return found?.value;
}

describe('runPreset with the fake Claude Code', () => {
  it('passes the argv and prompt, reads summary, tokens and the reported cost, and changes the worktree', async () => {
    const { result, log, accounts, received } = await run('claude', { printEnv: 'SECRET_KEY' });
    expect(result.outcome).toBe('succeeded');
    expect(received?.argv).toEqual(result.argv.slice(1));
    expect(result.argv).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'claude-sonnet-4-5',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools=Edit',
      '--allowedTools=Bash(npm test)',
    ]);
    expect(received?.prompt).toBe(composePrompt(prompt));
    expect(received?.cwd).toBe(worktree);
    expect(result.result).toEqual({
      status: 'succeeded',
      summary: 'Changed fake-claude.txt as asked.',
      tokens: { input: 6650, output: 52 },
      costUsd: 0.01683,
      model: 'claude-sonnet-4-5',
      sessionId: result.account.sessionId,
    });
    expect(result.account.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(runGit(worktree, 'status', '--porcelain')).toBe('?? fake-claude.txt');
    expect(log[0]).toMatch(
      /^\[session\] Claude Code 2\.1\.332, model claude-sonnet-4-5, permission mode acceptEdits/,
    );
    expect(log).toContain("[assistant] I'll make the change. The key is sk-live-0123456789.");
    expect(result.tail).toEqual(log);
    // One account per output line, the estimate first, the reported cost last.
    expect(accounts.map((a) => a.costSource)).toEqual([...Array(5).fill('price_table'), 'reported']);
    expect(await metric('tundra_engine_cost_usd_total', { engine: 'claude', kind: 'exec' })).toBe(0.01683);
    expect(await metric('tundra_engine_tokens_total', { engine: 'claude', direction: 'input' })).toBe(6650);
  });

  it('fails with the tool’s own reason', async () => {
    const { result } = await run('claude', { mode: 'fail' });
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      reason: 'the engine exited with code 1: fake failure (FAKE_CLI_MODE=fail)',
      result: { status: 'failed', tokens: { input: 1200, output: 20 } },
    });
    expect(runGit(worktree, 'status', '--porcelain')).toBe('');
  });

  it('streams a growing cost that a budget check can stop the engine on', async () => {
    const stop = new AbortController();
    const limitUsd = 0.25;
    const { result, accounts } = await run(
      'claude',
      { mode: 'overspend', turns: 1000, turnDelayMs: 20 },
      {
        signal: stop.signal,
        onAccount: (account) => {
          if ((account.costUsd ?? 0) > limitUsd) stop.abort(new Error('budget exceeded'));
        },
      },
    );
    expect(result.outcome).toBe('cancelled');
    expect(result.reason).toBe('cancelled: budget exceeded');
    const over = accounts.find((a) => (a.costUsd ?? 0) > limitUsd)!;
    expect(over.costSource).toBe('price_table');
    // Stopped within a few turns of the limit, far from the 1000 turns it would have run.
    expect(result.account.tokens.input).toBeLessThan(20_000 * 20);
    expect(runGit(worktree, 'status', '--porcelain')).toBe('');
  });

  it('goes silent when told to stall: the account keeps the time of the last output', async () => {
    const started = Date.now();
    const { result, accounts } = await run(
      'claude',
      { mode: 'stall', stallSeconds: 3600 },
      { timeoutMs: 1500 },
    );
    expect(result.outcome).toBe('timed_out');
    expect(accounts).toHaveLength(1);
    expect(result.account.sessionId).not.toBeNull();
    expect(result.account.lastOutputAt).toBeGreaterThanOrEqual(started);
    expect(result.account.lastOutputAt).toBeLessThan(started + 1500);
  });
});

describe('runPreset with the fake Codex', () => {
  it('passes the argv and prompt, reads summary and tokens, and prices them from the table', async () => {
    const { result, log, received } = await run('codex', { printEnv: 'SECRET_KEY' });
    expect(result.outcome).toBe('succeeded');
    expect(result.argv).toEqual([
      'codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '--model',
      'gpt-5-codex',
      '-',
    ]);
    expect(received?.argv).toEqual(result.argv.slice(1));
    expect(received?.prompt).toBe(composePrompt(prompt));
    const costUsd = ((3900 - 1792) * 1.25 + 1792 * 0.125 + 85 * 10) / 1e6;
    expect(result.result).toMatchObject({
      status: 'succeeded',
      summary: 'Changed fake-codex.txt as asked.',
      tokens: { input: 3900, output: 85 },
      model: 'gpt-5-codex',
    });
    expect(result.result?.costUsd).toBeCloseTo(costUsd, 12);
    expect(result.account.costSource).toBe('price_table');
    expect(result.account.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(runGit(worktree, 'status', '--porcelain')).toBe('?? fake-codex.txt');
    expect(log).toContain('    sk-live-0123456789');
    expect(log).toContain('Reading additional input from stdin...');
  });

  it('fails on a failed turn', async () => {
    const { result } = await run('codex', { mode: 'fail' });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^the engine exited with code 1: unexpected status 401 Unauthorized/);
  });

  it('reports the cost of an overspending thread when its turn ends', async () => {
    const { result, accounts } = await run('codex', { mode: 'overspend', turns: 5, turnDelayMs: 1 });
    expect(result.outcome).toBe('succeeded');
    // Codex reports usage only with turn.completed: the cost appears in the last account, all at once.
    expect(accounts.at(-2)?.costUsd).toBe(0);
    expect(result.account.costUsd).toBeCloseTo((200_000 * 1.25 + 4000 * 10) / 1e6, 12);
  });
});

describe('runPreset with the fake aider', () => {
  it('passes the argv and the prompt file, reads edits, tokens and the session cost', async () => {
    const { result, log, received } = await run('aider', { printEnv: 'SECRET_KEY' });
    expect(result.outcome).toBe('succeeded');
    expect(result.argv[1]).toBe('--message-file');
    expect(result.argv.slice(3)).toEqual([
      '--yes-always',
      '--no-pretty',
      '--no-stream',
      '--no-auto-commits',
      '--no-dirty-commits',
      '--no-check-update',
      '--analytics-disable',
      '--no-show-release-notes',
      '--chat-history-file',
      '/dev/null',
      '--input-history-file',
      '/dev/null',
      '--model',
      'anthropic/claude-sonnet-4-5',
    ]);
    expect(received?.argv).toEqual(result.argv.slice(1));
    expect(received?.prompt).toBe(composePrompt(prompt));
    expect(result.result).toEqual({
      status: 'succeeded',
      summary: 'aider edited fake-aider.txt',
      tokens: { input: 2600, output: 52 },
      costUsd: 0.0087,
      model: 'anthropic/claude-sonnet-4-5',
    });
    expect(runGit(worktree, 'status', '--porcelain')).toBe('?? fake-aider.txt');
    expect(log).toContain('The key is sk-live-0123456789.');
  });

  it('fails on a provider error even though aider exits 0', async () => {
    const { result } = await run('aider', { mode: 'fail' });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 0, result: { status: 'failed' } });
    expect(result.reason).toMatch(/^aider reported a failure: litellm\.AuthenticationError: /);
  });

  it('streams the session cost as it grows, so a budget check can stop it', async () => {
    const stop = new AbortController();
    const { result } = await run(
      'aider',
      { mode: 'overspend', turns: 1000, turnDelayMs: 20 },
      { signal: stop.signal, onAccount: (a) => (a.costUsd ?? 0) > 0.5 && stop.abort('budget exceeded') },
    );
    expect(result.outcome).toBe('cancelled');
    expect(result.account).toMatchObject({ costSource: 'reported' });
    expect(result.account.costUsd).toBeGreaterThan(0.5);
    expect(result.account.costUsd).toBeLessThan(2);
  });
});

describe('runPreset with a command', () => {
  it('runs it as before, the instructions in its file, its account from the result file', async () => {
    const script = join(root, 'engine.sh');
    writeFileSync(
      script,
      `echo working
head -1 "$TUNDRA_INSTRUCTIONS_FILE"
cat > "$TUNDRA_RESULT_FILE" <<JSON
{"status":"succeeded","summary":"done","tokens":{"input":1000,"output":100},"model":"gpt-5-codex","sessionId":"s-1"}
JSON`,
    );
    const lines: string[] = [];
    const result = await createEngineRunner({ registry }).runPreset({
      kind: 'exec',
      engine: { kind: 'command', command: ['bash', script] },
      prompt,
      prices,
      cwd: worktree,
      env: { PATH: process.env.PATH },
      timeoutMs: 10_000,
      onLine: (_stream, line) => lines.push(line),
    });
    expect(result.outcome).toBe('succeeded');
    expect(lines).toEqual(['working', '# Add a greeting']);
    expect(result.account).toMatchObject({
      model: 'gpt-5-codex',
      sessionId: 's-1',
      summary: 'done',
      tokens: { input: 1000, output: 100 },
      costSource: 'price_table',
    });
    expect(result.account.costUsd).toBeCloseTo((1000 * 1.25 + 100 * 10) / 1e6, 12);
    expect(await metric('tundra_engine_runs_total', { engine: 'engine.sh', outcome: 'succeeded' })).toBe(1);
  });
});
