import { describe, expect, it } from 'vitest';
import { fixtureLines, parseLines } from '../../test/preset-fixtures.js';
import { claudeCodeInvocation, createClaudeCodeReader } from './claude-code.js';
import type { ClaudeCodePreset } from './engine-preset.js';
import { createOutputParser } from './output-parser.js';

const prompt = { instructions: '# Add a greeting\n\nCreate hello.txt.' };
const input = { prompt, promptFile: '/tmp/p/prompt.md' };
const sonnet = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 };

describe('claudeCodeInvocation', () => {
  it.each<{ name: string; preset: ClaudeCodePreset; readOnly?: boolean; tail: string[] }>([
    {
      name: 'the minimal preset accepts edits and nothing else',
      preset: { kind: 'claude-code' },
      tail: ['--permission-mode', 'acceptEdits'],
    },
    {
      name: 'model, mode, one argument per allowed tool, then the extra arguments',
      preset: {
        kind: 'claude-code',
        model: 'claude-sonnet-4-5',
        permissionMode: 'dontAsk',
        allowedTools: ['Edit', 'Bash(npm test)', 'Bash(git diff:*)'],
        extraArgs: ['--max-turns', '30'],
      },
      tail: [
        '--model',
        'claude-sonnet-4-5',
        '--permission-mode',
        'dontAsk',
        '--allowedTools=Edit',
        '--allowedTools=Bash(npm test)',
        '--allowedTools=Bash(git diff:*)',
        '--max-turns',
        '30',
      ],
    },
    {
      name: 'a read-only run plans, whatever mode the project set',
      preset: { kind: 'claude-code', permissionMode: 'bypassPermissions' },
      readOnly: true,
      tail: ['--permission-mode', 'plan'],
    },
  ])('$name', ({ preset, readOnly, tail }) => {
    const invocation = claudeCodeInvocation(preset, { ...input, ...(readOnly ? { readOnly } : {}) });
    expect(invocation.argv).toEqual(['claude', '-p', '--output-format', 'stream-json', '--verbose', ...tail]);
    expect(invocation.stdin).toBe('# Add a greeting\n\nCreate hello.txt.\n');
  });

  it('grants read access to a context file the prompt only points at', () => {
    const invocation = claudeCodeInvocation(
      { kind: 'claude-code' },
      { ...input, prompt: { ...prompt, context: { path: '/var/tundra/ctx/run-1/context.md' } } },
    );
    expect(invocation.argv.at(-1)).toBe('--add-dir=/var/tundra/ctx/run-1');
    expect(invocation.stdin).toContain('Read `/var/tundra/ctx/run-1/context.md` before you start');
  });

  it('carries the context in the prompt when it is given, with no extra grant', () => {
    const invocation = claudeCodeInvocation(
      { kind: 'claude-code' },
      {
        ...input,
        prompt: { ...prompt, context: { path: '/c/context.md', content: '# Story\n\nA login page.' } },
      },
    );
    expect(invocation.argv.some((arg) => arg.startsWith('--add-dir'))).toBe(false);
    expect(invocation.stdin).toContain('# Story\n\nA login page.\n');
  });
});

describe('Claude Code stream-json reader (recorded from 2.1.332)', () => {
  it('reads a successful run: session, model, readable log, and the tool’s own totals and cost', () => {
    const { log, account } = parseLines(
      createOutputParser(createClaudeCodeReader()),
      fixtureLines('claude-code', 'success.jsonl'),
    );
    expect(account).toEqual({
      model: 'claude-sonnet-4-5',
      sessionId: '52519fb4-39fe-40a5-b95f-ad0b3f47d041',
      tokens: { input: 6650, output: 52, cachedInput: 2000, cacheWrite: 2000 },
      costUsd: 0.016829999999999998,
      costSource: 'reported',
      summary: 'Created hello.txt with a greeting.',
      error: null,
      lastOutputAt: 1005,
    });
    expect(log).toEqual([
      '[session] Claude Code 2.1.332, model claude-sonnet-4-5, permission mode acceptEdits, session 52519fb4-39fe-40a5-b95f-ad0b3f47d041',
      "[assistant] I'll create the file.",
      '[tool] Write: /tmp/agents-research/wt/hello.txt',
      '[tool result] File created successfully at: /tmp/agents-research/wt/hello.txt (file state is current in your context — no need to Read it back)',
      '[assistant] Created hello.txt with a greeting.',
      '[result] success after 2 turns in 0.3 s: $0.02, 6,650 tokens in (2,000 cached), 52 out',
    ]);
  });

  it('estimates the cost from the price table while the run streams, then takes the reported one', () => {
    const parser = createOutputParser(createClaudeCodeReader(), { prices: { 'claude-sonnet-4-5': sonnet } });
    const { accounts } = parseLines(parser, fixtureLines('claude-code', 'success.jsonl'));
    // After the init event the model is known but nothing was used yet.
    expect(accounts[0]).toMatchObject({ costUsd: 0, costSource: 'price_table' });
    // Before the result: two responses, their streamed usage (1 output token each until the message ends).
    expect(accounts[4]!.tokens).toEqual({ input: 6650, output: 2, cachedInput: 2000, cacheWrite: 2000 });
    expect(accounts[4]!.costUsd).toBeCloseTo(
      (1200 * 3 + 2000 * 3.75 + 1450 * 3 + 2000 * 0.3 + 2 * 15) / 1e6,
      12,
    );
    expect(accounts[5]).toMatchObject({ costUsd: 0.016829999999999998, costSource: 'reported' });
  });

  it('reads a run stopped by its own budget as a failure, with totals from modelUsage', () => {
    const { log, account } = parseLines(
      createOutputParser(createClaudeCodeReader()),
      fixtureLines('claude-code', 'max-budget.jsonl'),
    );
    expect(account).toMatchObject({
      tokens: { input: 3200, output: 40, cachedInput: 0, cacheWrite: 2000 },
      costUsd: 0.011699999999999999,
      error: 'Reached maximum budget ($0.001)',
      summary: null,
    });
    expect(log.at(-1)).toBe('[error] Reached maximum budget ($0.001)');
    expect(log.at(-2)).toMatch(/^\[result\] error_max_budget_usd \(error\) after 1 turn in 0\.2 s: \$0\.01/);
  });

  it('shows refused tool uses, which do not fail the run', () => {
    const { log, account } = parseLines(
      createOutputParser(createClaudeCodeReader()),
      fixtureLines('claude-code', 'permission-denied.jsonl'),
    );
    expect(log).toContain('[denied] 1 tool use(s) refused: Write');
    expect(log.find((line) => line.startsWith('[denied] Write: '))).toMatch(
      /^\[denied\] Write: Permission to use Write has been denied/,
    );
    expect(log.find((line) => line.startsWith('[tool error]'))).toBeDefined();
    expect(account.error).toBeNull();
  });

  it('shows API retries', () => {
    const { log, account } = parseLines(
      createOutputParser(createClaudeCodeReader()),
      fixtureLines('claude-code', 'api-retries.jsonl'),
    );
    expect(log[1]).toBe(
      '[retry] API request failed (authentication_failed, status 401): attempt 1 of 10, next in 501 ms',
    );
    expect(account).toMatchObject({
      sessionId: '0c9d8a10-9c74-4880-8b5f-92d4ef8d6f92',
      costUsd: null,
      error: null,
    });
  });

  it('logs lines that are not events as they are, and stderr untouched', () => {
    const parser = createOutputParser(createClaudeCodeReader());
    expect(parser.push('stdout', 'Error: Input must be provided', 1)).toEqual([
      'Error: Input must be provided',
    ]);
    expect(parser.push('stdout', '{"no":"type"}', 2)).toEqual(['{"no":"type"}']);
    expect(parser.push('stderr', '{"type":"result"}', 3)).toEqual(['{"type":"result"}']);
    expect(parser.account).toMatchObject({ lastOutputAt: 3, costUsd: null });
  });
});
