import { describe, expect, it } from 'vitest';
import { fixtureLines, parseLines } from '../../test/preset-fixtures.js';
import { aiderInvocation, createAiderReader, parseAiderCount } from './aider.js';
import { createOutputParser } from './output-parser.js';

const prompt = { instructions: '# Add a greeting\n\nCreate hello.txt.' };
const fixed = [
  'aider',
  '--message-file',
  '/tmp/p/prompt.md',
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
];

describe('aiderInvocation', () => {
  it('reads the prompt from the prompt file and leaves committing to Tundra', () => {
    expect(aiderInvocation({ kind: 'aider' }, { prompt, promptFile: '/tmp/p/prompt.md' })).toEqual({
      argv: fixed,
    });
  });

  it('adds the model, read-only ask mode, the context file and the extra arguments', () => {
    const invocation = aiderInvocation(
      { kind: 'aider', model: 'anthropic/claude-sonnet-4-5', extraArgs: ['--map-tokens', '2048'] },
      {
        prompt: { ...prompt, context: { path: '/var/tundra/ctx/context.md' } },
        promptFile: '/tmp/p/prompt.md',
        readOnly: true,
      },
    );
    expect(invocation.argv).toEqual([
      ...fixed,
      '--model',
      'anthropic/claude-sonnet-4-5',
      '--chat-mode',
      'ask',
      '--no-suggest-shell-commands',
      '--read',
      '/var/tundra/ctx/context.md',
      '--map-tokens',
      '2048',
    ]);
    expect(invocation.stdin).toBeUndefined();
  });
});

describe('parseAiderCount', () => {
  it.each([
    ['950', 950],
    ['2.6k', 2600],
    ['12k', 12000],
    ['26,200', 26200],
    ['nonsense', 0],
  ])('%s → %d', (text, count) => expect(parseAiderCount(text)).toBe(count));
});

describe('aider output reader (source of 0.86)', () => {
  it('reads the model, the edits, the tokens and the session cost', () => {
    const { log, account } = parseLines(
      createOutputParser(createAiderReader()),
      fixtureLines('aider', 'success.txt'),
    );
    const lines = fixtureLines('aider', 'success.txt');
    expect(log).toEqual(lines);
    expect(account).toEqual({
      model: 'anthropic/claude-sonnet-4-5-20250929',
      sessionId: null,
      tokens: { input: 2600, output: 52, cachedInput: 0, cacheWrite: 0 },
      costUsd: 0.0087,
      costSource: 'reported',
      summary: 'aider edited hello.txt',
      error: null,
      lastOutputAt: 1000 + lines.length - 1,
    });
  });

  it('adds up the tokens of every request, cache writes and hits included, and keeps the session cost', () => {
    const { accounts, account } = parseLines(
      createOutputParser(createAiderReader()),
      fixtureLines('aider', 'cache-two-requests.txt'),
    );
    expect(account).toMatchObject({
      model: 'gpt-4o',
      tokens: { input: 12000 + 8200 + 950, output: 350, cachedInput: 8200, cacheWrite: 2000 },
      costUsd: 0.06,
      summary: 'aider edited src/app.ts, README.md',
    });
    // The running cost moves with each report: what a budget check sees while aider works.
    expect([...new Set(accounts.map((a) => a.costUsd))]).toEqual([null, 0.05, 0.06]);
  });

  it('reads the older usage format', () => {
    const { account } = parseLines(
      createOutputParser(createAiderReader()),
      fixtureLines('aider', 'older-format.txt'),
    );
    expect(account).toMatchObject({ tokens: { input: 26200, output: 680 }, costUsd: 0.12 });
  });

  it('takes a provider error for the run’s failure, though aider exits 0', () => {
    const { account } = parseLines(
      createOutputParser(createAiderReader()),
      fixtureLines('aider', 'auth-error.txt'),
    );
    expect(account.error).toMatch(/^litellm\.AuthenticationError: AnthropicException - /);
    expect(account.costUsd).toBeNull();
  });

  it('forgets an error once a later request went through', () => {
    const parser = createOutputParser(createAiderReader());
    parseLines(parser, [
      'litellm.RateLimitError: rate limited',
      'Retrying in 0.2 seconds...',
      'Tokens: 1.0k sent, 20 received.',
    ]);
    expect(parser.account).toMatchObject({ error: null, tokens: { input: 1000, output: 20 }, costUsd: null });
  });

  it('prices the tokens from the table when aider knows no price', () => {
    const parser = createOutputParser(createAiderReader(), {
      model: 'openrouter/acme/coder-1',
      prices: { 'coder-1': { inputPerMTok: 1, outputPerMTok: 2 } },
    });
    parseLines(parser, ['Tokens: 1.0k sent, 500 received.']);
    expect(parser.account).toMatchObject({ costUsd: (1000 * 1 + 500 * 2) / 1e6, costSource: 'price_table' });
  });
});
