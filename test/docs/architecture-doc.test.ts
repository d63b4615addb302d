import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type MachineDefinition,
  planRunTransition,
  planStepTransition,
  protocolRunMachine,
  stepRunMachine,
} from '@tundra/core';
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

type Plan = (state: string, event: string) => ReturnType<typeof planRunTransition>;

/** Every accepted (state, event) with its effects: the machine's and the event catalog's Taiga effects. */
function tableOf(machine: MachineDefinition<string, string>, plan: Plan): string[] {
  return machine.states.flatMap((state) =>
    machine.events.flatMap((event) => {
      const planned = plan(state, event);
      return planned.ok ? [`${state}|${event}|${planned.to}|${planned.effects.join(', ')}`] : [];
    }),
  );
}

describe('docs/architecture.md', () => {
  it.each([
    ['### ProtocolRun transitions', protocolRunMachine, planRunTransition as Plan],
    ['### StepRun transitions', stepRunMachine, planStepTransition as Plan],
  ] as const)('%s matches the tables in code', (heading, machine, plan) => {
    expect(tableAfter(heading).sort()).toEqual(
      tableOf(machine as MachineDefinition<string, string>, plan).sort(),
    );
  });
});

describe("docs/architecture.md's walk of one webhook", () => {
  it('names files that exist and hold the functions it names', () => {
    const rows = tableAfter('## One webhook, hop by hop').map((row) => row.split('|'));
    expect(rows.length).toBeGreaterThan(0);
    const wrong = rows.flatMap(([hop, file, function_]) => {
      const path = resolve(repoRoot, file!);
      if (!existsSync(path)) return [`${hop}: no file ${file}`];
      const source = readFileSync(path, 'utf8');
      // `Class.method (lua/x.lua)`: the class and the method must both be there.
      const names = function_!.split(' ')[0]!.split('.');
      return names
        .filter((name) => !new RegExp(`\\b${name}\\b`).test(source))
        .map((name) => `${hop}: ${file} has no ${name}`);
    });
    expect(wrong).toEqual([]);
  });
});
