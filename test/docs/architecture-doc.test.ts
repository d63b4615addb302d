import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type MachineDefinition, protocolRunMachine, stepRunMachine } from '@tundra/core';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(resolve(repoRoot, 'docs/architecture.md'), 'utf8');

/** The rows of the first Markdown table after `heading`, as `from|event|to|effects` strings. */
function tableAfter(heading: string): string[] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/architecture.md has no heading '${heading}'`);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll('`', ''));
    rows.push(cells.join('|'));
  }
  return rows;
}

function tableOf(machine: MachineDefinition<string, string>): string[] {
  return machine.states.flatMap((state) =>
    machine.events.flatMap((event) => {
      const rule = machine.table[state]?.[event];
      return rule ? [`${state}|${event}|${rule.to}|${rule.effects.join(', ')}`] : [];
    }),
  );
}

describe('docs/architecture.md', () => {
  it.each([
    ['### ProtocolRun transitions', protocolRunMachine],
    ['### StepRun transitions', stepRunMachine],
  ] as const)('%s matches the table in code', (heading, machine) => {
    expect(tableAfter(heading).sort()).toEqual(tableOf(machine as MachineDefinition<string, string>).sort());
  });
});
