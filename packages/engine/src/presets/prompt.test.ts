import { describe, expect, it } from 'vitest';
import { buildInvocation } from './presets.js';
import { composePrompt } from './prompt.js';

describe('composePrompt', () => {
  const instructions = '# Add the form\n\nA login form with two fields.\n\n';

  it('is the instructions alone without a context', () => {
    expect(composePrompt({ instructions })).toBe('# Add the form\n\nA login form with two fields.\n');
  });

  it('points at the context file', () => {
    expect(composePrompt({ instructions, context: { path: '/ctx/context.md' } })).toBe(
      '# Add the form\n\nA login form with two fields.\n\n## Context\n\nRead `/ctx/context.md` before you start: it holds the story, the plan and what earlier steps and attempts did.\n',
    );
  });

  it('carries the context file’s content', () => {
    expect(
      composePrompt({ instructions, context: { path: '/ctx/context.md', content: '# Story\n\nLogin.\n' } }),
    ).toBe(
      '# Add the form\n\nA login form with two fields.\n\n## Context\n\nThis is the context of the step (also in `/ctx/context.md`):\n\n# Story\n\nLogin.\n',
    );
  });
});

describe('buildInvocation', () => {
  it('runs a command as it is, with nothing on stdin', () => {
    const invocation = buildInvocation(
      { kind: 'command', command: ['bash', 'engine.sh'] },
      { prompt: { instructions: 'x' }, promptFile: '/tmp/p.md' },
    );
    expect(invocation).toEqual({ argv: ['bash', 'engine.sh'] });
  });
});
