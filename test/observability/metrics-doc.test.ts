import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';
import { metricsInDoc } from './support.js';

/** Source files of every app and package, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Metric names registered in code: every quoted `tundra_…` string (names are never built at run time). */
function metricsInCode(): Set<string> {
  const roots = ['apps', 'packages'].flatMap((top) =>
    readdirSync(resolve(repoRoot, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => resolve(repoRoot, top, entry.name, 'src')),
  );
  const names = new Set<string>();
  for (const root of roots) {
    let files: string[];
    try {
      files = sources(root);
    } catch {
      continue;
    }
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"](tundra_[a-z0-9_]+)['"]/g))
        names.add(match[1]!);
    }
  }
  return names;
}

describe('docs/metrics.md', () => {
  it('documents every metric the code registers, and nothing else', () => {
    const code = metricsInCode();
    expect(code.size).toBeGreaterThan(20);
    expect([...metricsInDoc()].sort()).toEqual([...code].sort());
  });

  it('names them by Prometheus conventions', () => {
    const doc = readFileSync(resolve(repoRoot, 'docs/metrics.md'), 'utf8');
    for (const [, name, type] of doc.matchAll(/^\| `(tundra_[a-z0-9_]+)` \| (\w+) \|/gm)) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
      if (type === 'histogram') expect(name).toMatch(/_seconds$/);
      expect(['counter', 'gauge', 'histogram']).toContain(type);
    }
  });
});
