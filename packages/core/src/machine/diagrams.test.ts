import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTerminal, type MachineDefinition } from './machine.js';
import { protocolRunMachine } from './protocol-run-machine.js';
import { stepRunMachine } from './step-run-machine.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The edges of the Mermaid diagram that follows `heading`. */
function diagramAfter(heading: string): string[] {
  const section = readme.slice(readme.indexOf(`### ${heading}\n`));
  const body = section.slice(
    section.indexOf('```mermaid'),
    section.indexOf('```\n', section.indexOf('```mermaid') + 3),
  );
  return [...body.matchAll(/^\s+(\S+) --> (\S+)(?: : (\S+))?$/gm)].map(([, from, to, event]) =>
    event ? `${from}|${event}|${to}` : `${from}|${to}`,
  );
}

function edgesOf(machine: MachineDefinition<string, string>): string[] {
  const edges = ['[*]|pending'];
  for (const state of machine.states) {
    for (const event of machine.events) {
      const rule = machine.table[state]?.[event];
      if (rule) edges.push(`${state}|${event}|${rule.to}`);
    }
    if (isTerminal(machine, state)) edges.push(`${state}|[*]`);
  }
  return edges;
}

describe('the README state diagrams', () => {
  it.each([
    ['ProtocolRun', protocolRunMachine],
    ['StepRun', stepRunMachine],
  ] as const)('%s diagram matches the table', (heading, machine) => {
    expect(diagramAfter(heading).sort()).toEqual(
      edgesOf(machine as MachineDefinition<string, string>).sort(),
    );
  });
});
