import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { projectFieldPolicy } from '../../apps/api/src/auth/project-fields.js';

const doc = readFileSync(resolve(repoRoot, 'docs/api.md'), 'utf8');

/** The rows of the first Markdown table after `heading`, each as its cells. */
function tableAfter(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/api.md has no heading '${heading}'`);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/api.md', () => {
  it('lists who may change each project field exactly as the API enforces it', () => {
    const documented = tableAfter('#### Who may change what');
    const enforced = Object.entries(projectFieldPolicy).map(([field, policy]) => [
      `\`${field}\``,
      policy.change,
      'masks' in policy && policy.masks ? `${policy.masks} masked` : 'as stored',
      policy.why,
    ]);
    expect(documented).toEqual(enforced);
  });
});
