import { describe, expect, it } from 'vitest';
import { fixtureLines, parseLines } from '../../test/preset-fixtures.js';
import { codexInvocation, createCodexReader } from './codex.js';
import type { CodexPreset } from './engine-preset.js';
import { createOutputParser } from './output-parser.js';

const input = {
  prompt: { instructions: '# Add a greeting\n\nCreate hello.txt.' },
  promptFile: '/tmp/p/prompt.md',
};
const gpt5Codex = { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 };

describe('codexInvocation', () => {
  it.each<{ name: string; preset: CodexPreset; readOnly?: boolean; argv: string[] }>([
    {
      name: 'the minimal preset writes in the workspace, prompt on stdin',
      preset: { kind: 'codex' },
      argv: ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', '-'],
    },
    {
      name: 'model, sandbox and extra arguments before the stdin prompt',
      preset: {
        kind: 'codex',
        model: 'gpt-5-codex',
        sandbox: 'danger-full-access',
        extraArgs: ['-c', 'model_reasoning_effort="high"'],
      },
      argv: [
        'codex',
        'exec',
        '--json',
        '--sandbox',
        'danger-full-access',
        '--skip-git-repo-check',
        '--model',
        'gpt-5-codex',
        '-c',
        'model_reasoning_effort="high"',
        '-',
      ],
    },
    {
      name: 'a read-only run gets the read-only sandbox, whatever the project set',
      preset: { kind: 'codex', sandbox: 'danger-full-access' },
      readOnly: true,
      argv: ['codex', 'exec', '--json', '--sandbox', 'read-only', '--skip-git-repo-check', '-'],
    },
  ])('$name', ({ preset, readOnly, argv }) => {
    const invocation = codexInvocation(preset, { ...input, ...(readOnly ? { readOnly } : {}) });
    expect(invocation).toEqual({ argv, stdin: '# Add a greeting\n\nCreate hello.txt.\n' });
  });
});

describe('codex exec --json reader (recorded from 0.171.0)', () => {
  it('reads a successful run: thread id, commands and their output, the last message and the thread’s usage', () => {
    const parser = createOutputParser(createCodexReader(), { model: 'gpt-5-codex' });
    const { log, account } = parseLines(parser, fixtureLines('codex', 'success.jsonl'));
    expect(account).toEqual({
      model: 'gpt-5-codex',
      sessionId: '01a242b6-25a3-7602-b094-9ee9a32072fd',
      tokens: { input: 3900, output: 85, cachedInput: 1792, cacheWrite: 0 },
      costUsd: null,
      costSource: null,
      summary: 'Created hello.txt with a greeting.',
      error: null,
      lastOutputAt: 1006,
    });
    expect(log).toEqual([
      '[session] Codex thread 01a242b6-25a3-7602-b094-9ee9a32072fd',
      '[warning] Model metadata for `gpt-5-codex` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
      '[turn] started',
      `[command] $ /bin/bash -lc "printf 'hello\\\\n' > hello.txt && cat hello.txt"`,
      `[command] exit 0: /bin/bash -lc "printf 'hello\\\\n' > hello.txt && cat hello.txt"`,
      '    hello',
      '[assistant] Created hello.txt with a greeting.',
      '[turn] completed: 3,900 tokens in (1,792 cached), 85 out',
    ]);
  });

  it('prices the usage with the table, since Codex reports no cost', () => {
    const parser = createOutputParser(createCodexReader(), {
      model: 'gpt-5-codex',
      prices: { 'gpt-5-codex': gpt5Codex },
    });
    const { accounts, account } = parseLines(parser, fixtureLines('codex', 'success.jsonl'));
    // Nothing is known before the turn ends.
    expect(accounts.at(-2)).toMatchObject({ costUsd: 0, costSource: 'price_table' });
    expect(account.costSource).toBe('price_table');
    expect(account.costUsd).toBeCloseTo(((3900 - 1792) * 1.25 + 1792 * 0.125 + 85 * 10) / 1e6, 12);
  });

  it('leaves the cost unknown without a model or a price', () => {
    const parser = createOutputParser(createCodexReader(), { prices: { 'gpt-5-codex': gpt5Codex } });
    expect(parseLines(parser, fixtureLines('codex', 'message-only.jsonl')).account).toMatchObject({
      model: null,
      costUsd: null,
      tokens: { input: 2100, output: 25, cachedInput: 1792, cacheWrite: 0 },
    });
  });

  it('reads a failed turn as the run’s failure; retries are only logged', () => {
    const { log, account } = parseLines(
      createOutputParser(createCodexReader()),
      fixtureLines('codex', 'turn-failed.jsonl'),
    );
    const message =
      'unexpected status 401 Unauthorized: Incorrect API key provided: sk-dummy., url: http://127.0.0.1:18558/v1/responses';
    expect(account.error).toBe(message);
    expect(log.filter((line) => line.startsWith('[error] Reconnecting...'))).toHaveLength(5);
    expect(log.at(-1)).toBe(`[turn] failed: ${message}`);
  });

  it('shows file changes, to-do lists and unknown events in a line each', () => {
    const parser = createOutputParser(createCodexReader());
    const lines = [
      '{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"src/a.ts","kind":"update"},{"path":"src/b.ts","kind":"add"}],"status":"completed"}}',
      '{"type":"item.started","item":{"id":"item_2","type":"todo_list","items":[{"text":"Write the form","completed":true},{"text":"Add tests","completed":false}]}}',
      '{"type":"thread.compacted"}',
    ];
    expect(parseLines(parser, lines).log).toEqual([
      '[files] update src/a.ts, add src/b.ts',
      '[plan] 1/2 done; next: Add tests',
      '[thread.compacted]',
    ]);
  });

  it('keeps the end of a long command output', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const event = {
      type: 'item.completed',
      item: {
        id: 'item_0',
        type: 'command_execution',
        command: 'npm test',
        aggregated_output: output,
        exit_code: 1,
        status: 'failed',
      },
    };
    const log = createOutputParser(createCodexReader()).push('stdout', JSON.stringify(event), 1);
    expect(log.slice(0, 3)).toEqual(['[command] exit 1: npm test', '    … 10 more lines', '    line 11']);
    expect(log.at(-1)).toBe('    line 30');
  });
});
