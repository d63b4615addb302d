import { describe, expect, it } from 'vitest';
import { planJsonIn, planningInstructions } from './agent-engine.js';

const plan = '{"steps": [{"title": "a", "instructions": "b"}]}';

describe("the plan in an agent's final message", () => {
  it.each([
    ['the message itself', `  ${plan}\n`, plan],
    [
      'the last fenced block',
      `Draft:\n\n\`\`\`json\n{"steps": []}\n\`\`\`\n\nFinal:\n\n\`\`\`json\n${plan}\n\`\`\``,
      plan,
    ],
    ['a fence without a language', `Here:\n\`\`\`\n${plan}\n\`\`\``, plan],
    ['braces in prose', `The plan is ${plan}, as asked.`, plan],
    ['no JSON at all', 'I could not plan this.', 'I could not plan this.'],
  ])('%s', (_name, answer, json) => {
    expect(planJsonIn(answer)).toBe(json);
  });

  it('asks for the JSON shape a command prints, and to change nothing', () => {
    const text = planningInstructions({
      type: 'task',
      id: 1,
      ref: 12,
      subject: 'Export CSV',
      description: '',
      tags: [],
    });
    expect(text.split('\n')[0]).toBe('# Plan Taiga task TG-12: Export CSV');
    expect(text).toContain('change nothing');
    expect(text).toContain('{"steps": [{"title": ');
  });
});
