import { describe, expect, it } from 'vitest';
import {
  type ContextFileInput,
  type ContextRemark,
  contextFileVersion,
  renderContextFile,
} from './context-file.js';

const remark = (
  n: number,
  kind: ContextRemark['kind'] = 'comment',
  text = `remark number ${n}`,
): ContextRemark => ({
  at: `2026-12-04T10:${String(n).padStart(2, '0')}:00.000Z`,
  author: `person${n}`,
  where: 'the story',
  kind,
  text,
});

const base: ContextFileInput = {
  step: { number: 2, title: 'Add the login form', instructions: 'Use the existing Button.', attempt: 2 },
  story: {
    kind: 'userstory',
    ref: 12,
    subject: 'Sign-in',
    description: 'People sign in with e-mail.',
    url: 'https://taiga.example/project/p/us/12',
  },
  task: { kind: 'task', ref: 14, subject: 'Login form', description: '', url: null },
  plan: [
    {
      number: 1,
      title: 'Add the route',
      status: 'completed',
      commitSha: 'abcdef0123456789',
      summary: 'Added /login',
    },
    { number: 2, title: 'Add the login form', status: 'running', commitSha: null, summary: null },
  ],
  attempts: [{ attempt: 1, outcome: 'failed QA', summary: 'npm test: 2 failing', model: 'sonnet' }],
  remarks: [remark(1), remark(2, 'reject', 'The button is misaligned')],
  conventions: { path: 'AGENTS.md', text: 'Run `pnpm test` before committing.' },
  maxBytes: 64 * 1024,
};

describe('renderContextFile', () => {
  it('holds every section a person joining the work reads first, in order', () => {
    const file = renderContextFile(base);
    const order = [
      '# Context for step 2: Add the login form (attempt 2)',
      '## User story TG-12: Sign-in (https://taiga.example/project/p/us/12)',
      'People sign in with e-mail.',
      '## Task TG-14: Login form',
      '_No description._',
      "## This step's instructions",
      '## The plan',
      '1. Add the route [completed, commit `abcdef012345`]: Added /login',
      '2. Add the login form **(this step)** [running]',
      '## Earlier attempts at this step',
      '### Attempt 1: failed QA (model sonnet)',
      '## What people said since the run began',
      '### person1 commented on the story',
      '### person2 rejected the step on the story',
      'The button is misaligned',
      "## The repository's conventions (`AGENTS.md`)",
    ];
    let at = -1;
    for (const line of order) {
      const next = file.markdown.indexOf(line, at + 1);
      expect(next, line).toBeGreaterThan(at);
      at = next;
    }
    expect(file.cut).toEqual([]);
    expect(file.version).toBe(contextFileVersion);
  });

  it('titles a plan engine’s file for planning and leaves out the step parts', () => {
    const file = renderContextFile({ ...base, step: null, task: null, plan: [], attempts: [] });
    expect(file.markdown.startsWith('# Context for planning\n')).toBe(true);
    expect(file.markdown).not.toContain("## This step's instructions");
    expect(file.markdown).not.toContain('## The plan');
  });

  it('fences what people wrote so that their own fences cannot close it', () => {
    const text = 'look:\n```\nrm -rf /\n```\n## Not a heading of ours';
    const file = renderContextFile({ ...base, remarks: [remark(1, 'comment', text)] });
    expect(file.markdown).toContain(`\`\`\`\`text\n${text}\n\`\`\`\``);
  });

  it('cuts the oldest plain comments first, keeps commands, and says so in the file', () => {
    const remarks = [
      ...Array.from({ length: 40 }, (_, i) => remark(i + 1, 'comment', 'x'.repeat(200))),
      remark(50, 'retry', 'try the other API'),
    ];
    const full = renderContextFile({ ...base, remarks, maxBytes: 1_000_000 });
    const file = renderContextFile({ ...base, remarks, maxBytes: full.bytes - 1000 });
    expect(file.bytes).toBeLessThanOrEqual(full.bytes - 1000);
    expect(file.markdown).toContain('try the other API');
    expect(file.markdown).not.toContain('### person1 commented');
    expect(file.markdown).toContain('### person40 commented');
    const dropped = Number(/_(\d+) older remarks were left out/.exec(file.markdown)?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(file.cut).toEqual([`${dropped} oldest comment(s)`]);
  });

  it('then cuts the conventions file’s tail, then commands, then descriptions, never going over the cap', () => {
    const input: ContextFileInput = {
      ...base,
      remarks: [remark(1), remark(2, 'retry', 'r'.repeat(3000))],
      conventions: { path: 'AGENTS.md', text: 'c'.repeat(5000) },
      story: { ...base.story!, description: 'd'.repeat(5000) },
    };
    const sizes = [9000, 6000, 2500, 400];
    const cuts = sizes.map((maxBytes) => renderContextFile({ ...input, maxBytes }));
    for (const [i, file] of cuts.entries()) expect(file.bytes).toBeLessThanOrEqual(sizes[i]!);
    expect(cuts[0]!.cut).toEqual(['1 oldest comment(s)', 'the tail of AGENTS.md']);
    expect(cuts[0]!.markdown).toContain('_Cut to fit this file’s size cap'.replace('’', "'"));
    expect(cuts[1]!.cut).toContain('1 oldest command text(s)');
    expect(cuts[2]!.cut).toContain('the tail of the story description');
    expect(cuts[3]!.cut).toContain('the end of the file');
    expect(cuts[3]!.markdown.endsWith('_…the rest of this file was cut to fit its size cap._\n')).toBe(true);
  });

  it('never splits a multi-byte character when it cuts', () => {
    const file = renderContextFile({
      ...base,
      remarks: [],
      conventions: { path: 'AGENTS.md', text: '€'.repeat(3000) },
      maxBytes: 4000,
    });
    expect(file.bytes).toBeLessThanOrEqual(4000);
    expect(file.markdown).not.toContain('\uFFFD');
    expect(new TextEncoder().encode(file.markdown).length).toBe(file.bytes);
  });
});
