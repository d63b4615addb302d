import { describe, expect, it } from 'vitest';
import { engineName } from './engine-name.js';

describe('engineName', () => {
  it.each([
    { command: ['codex', 'exec', '--full-auto', 'do it'], name: 'codex' },
    { command: ['/usr/local/bin/claude', '-p', 'secret prompt'], name: 'claude' },
    { command: ['bash', 'scripts/demo-engine.sh'], name: 'demo-engine.sh' },
    { command: ['node', '--no-warnings', 'scripts/plan.mjs'], name: 'plan.mjs' },
    { command: ['bash'], name: 'bash' },
    { command: ['weird name!'], name: 'weird_name_' },
    { command: [], name: 'unknown' },
  ])('names $command as $name', ({ command, name }) => {
    expect(engineName(command)).toBe(name);
  });
});
