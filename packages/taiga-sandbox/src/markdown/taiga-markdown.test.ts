import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCapture } from '../../../taiga/test/fixtures/index.js';
import { type MarkdownContext, renderTaigaMarkdown } from './taiga-markdown.js';

interface RenderSamples {
  samples: { comment: string; comment_html: string }[];
}

interface OracleSamples extends RenderSamples {
  homeUrl: string;
  context: { slug: string; members: Record<string, string>; items: Record<string, [string, string]> };
}

const real = loadCapture<RenderSamples>('comment_render_real');
const oracle = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../test/fixtures/render-oracle/render-oracle.json', import.meta.url)),
    'utf8',
  ),
) as OracleSamples;

const oracleContext: MarkdownContext = {
  homeUrl: oracle.homeUrl,
  projectSlug: oracle.context.slug,
  member: (username) => {
    const fullName = oracle.context.members[username];
    return fullName === undefined ? null : { fullName };
  },
  item: (ref) => {
    const item = oracle.context.items[String(ref)];
    return item ? { kind: item[0] as 'userstory' | 'task' | 'issue', subject: item[1] } : null;
  },
};

describe('renderTaigaMarkdown', () => {
  it.each(real.samples)(
    'renders as the real taiga-back 6.10.0 did: $comment',
    ({ comment, comment_html }) => {
      expect(renderTaigaMarkdown(comment, { homeUrl: 'http://127.0.0.1:9001/' })).toBe(comment_html);
    },
  );

  it.each(oracle.samples)('renders as taiga-back 6.10.0 renders: $comment', ({ comment, comment_html }) => {
    expect(renderTaigaMarkdown(comment, oracleContext)).toBe(comment_html);
  });

  it('renders nothing for blank text', () => {
    expect(renderTaigaMarkdown(' \n\t\n', oracleContext)).toBe('');
  });
});
