import { describe, expect, it } from 'vitest';
import { parseEngineResult } from './engine-result.js';

describe('parseEngineResult', () => {
  it('accepts a full result', () => {
    const text = JSON.stringify({
      status: 'succeeded',
      summary: 'did it',
      tokens: { input: 10, output: 5 },
      costUsd: 0.01,
      model: 'gpt-5-codex',
      sessionId: 'thread-1',
      extra: true,
    });
    expect(parseEngineResult(text)).toEqual({
      kind: 'valid',
      result: {
        status: 'succeeded',
        summary: 'did it',
        tokens: { input: 10, output: 5 },
        costUsd: 0.01,
        model: 'gpt-5-codex',
        sessionId: 'thread-1',
      },
    });
  });

  it('accepts a status alone', () => {
    expect(parseEngineResult('{"status":"failed"}')).toEqual({ kind: 'valid', result: { status: 'failed' } });
  });

  it.each([
    { text: 'not json', message: /not JSON/ },
    { text: '{"status":"ok"}', message: /status/ },
    { text: '{"status":"succeeded","tokens":{"input":-1,"output":0}}', message: /tokens\.input/ },
    { text: '[]', message: /\(root\)/ },
  ])('refuses $text', ({ text, message }) => {
    const read = parseEngineResult(text);
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' ? read.message : '').toMatch(message);
  });
});
