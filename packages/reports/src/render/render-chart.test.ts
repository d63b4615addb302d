import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { chart } from '../charts/base.js';
import { bugFlowReport } from '../reports/bug-flow.js';
import { storyFlowReport } from '../reports/story-flow.js';
import { chartToSvg, renderChart, stackedSpec, svgToPng } from './render-chart.js';

/** The marks Vega draws of a type: the children of every `mark-<type> role-mark` group (a stacked area has one group per series). */
function marks(svg: string, type: string): number {
  const groups = svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'));
  return [...groups].reduce((sum, group) => sum + (group[1]!.match(/<path|<line|<text/g) ?? []).length, 0);
}

/** PNG signature, then IHDR's width and height (big-endian). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('charts', () => {
  const flow = storyFlowReport(handMadeProject(), handMadeOptions());
  const bugs = bugFlowReport(handMadeProject(), handMadeOptions());
  const byId = (id: string) => [...flow.charts, ...bugs.charts].find((candidate) => candidate.id === id)!;

  it('draw the throughput as one bar per week, in an SVG and a PNG of the expected size', async () => {
    const rendered = await renderChart(byId('throughput'), { png: true });
    expect(rendered.svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(marks(rendered.svg, 'rect')).toBe(2);
    const svgSize = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(rendered.svg)!;
    const size = pngSize(rendered.png!);
    expect(size).toEqual({ width: Number(svgSize[1]) * 2, height: Number(svgSize[2]) * 2 });
    expect(size).toEqual({ width: rendered.width, height: rendered.height });
  });

  it('draw the cumulative flow as one area per status', async () => {
    const { svg } = await renderChart(byId('cumulative-flow'), { png: false });
    expect(marks(svg, 'area')).toBe(5);
  });

  it('draw the cycle-time scatter as one point per story and one line per percentile', async () => {
    const { svg } = await renderChart(byId('cycle-time'), { png: false });
    expect(marks(svg, 'symbol')).toBe(2);
    expect(marks(svg, 'rule')).toBe(3);
  });

  it('draw open bugs by age as one bar per bucket and severity', async () => {
    const { svg } = await renderChart(byId('open-bugs-by-age'), { png: false });
    expect(marks(svg, 'rect')).toBe(1);
  });

  it('stack a report charts into one image', async () => {
    const svg = await chartToSvg(stackedSpec(flow.charts));
    expect(marks(svg, 'area')).toBe(5);
    expect(pngSize(svgToPng(svg).png).height).toBeGreaterThan(3 * 280 * 2);
  });

  it('render text with a real font on this machine', () => {
    const textOnly =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="10" y="28" font-family="DejaVu Sans" font-size="20">Tundra</text></svg>';
    const blank =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/></svg>';
    // Glyphs drawn make the PNG differ from (and compress worse than) the same blank image.
    expect(svgToPng(textOnly).png.length).toBeGreaterThan(svgToPng(blank).png.length + 200);
  });

  it('keep the frame every chart shares', () => {
    expect(chart('x', 'X', {}).spec).toMatchObject({ background: 'white', width: 640, height: 280 });
  });
});
