import { describe, expect, it } from 'vitest';
import { EnginePreset, PriceTable } from './engine-preset.js';

describe('EnginePreset', () => {
  it.each([
    { kind: 'command', command: ['bash', 'engine.sh'] },
    { kind: 'claude-code' },
    {
      kind: 'claude-code',
      model: 'claude-sonnet-4-5',
      allowedTools: ['Edit', 'Bash(npm test)'],
      permissionMode: 'acceptEdits',
      extraArgs: ['--max-turns', '40'],
    },
    { kind: 'codex', model: 'gpt-5-codex', sandbox: 'workspace-write' },
    { kind: 'aider', model: 'anthropic/claude-sonnet-4-5' },
  ])('accepts %j', (preset) => expect(EnginePreset.parse(preset)).toEqual(preset));

  it.each([
    [{ kind: 'claude-code', permissionMode: 'yolo' }, /permissionMode/],
    [{ kind: 'codex', sandbox: 'full-auto' }, /sandbox/],
    [{ kind: 'aider', model: '--dangerous' }, /model/],
    [{ kind: 'aider', extraArgs: [''] }, /extraArgs/],
    [{ kind: 'gemini' }, /kind/],
  ])('refuses %j, naming the field', (preset, field) => {
    const parsed = EnginePreset.safeParse(preset);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.')).join(' ')).toMatch(field);
  });
});

describe('PriceTable', () => {
  it('takes prices per million tokens by model', () => {
    const table = { 'gpt-5-codex': { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 } };
    expect(PriceTable.parse(table)).toEqual(table);
  });

  it('refuses a negative price', () => {
    expect(PriceTable.safeParse({ m: { inputPerMTok: -1, outputPerMTok: 1 } }).success).toBe(false);
  });
});
