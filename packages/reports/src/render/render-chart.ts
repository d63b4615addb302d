import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { chartFont } from '../charts/base.js';
import type { Chart } from '../model/report.js';

/** A chart drawn: its SVG, and its PNG when asked for, with the PNG's size in pixels. */
export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
  png: Buffer | null;
  width: number;
  height: number;
}

/** PNGs are drawn at twice the SVG's size, so they stay sharp on high-density screens and in Slack. */
export const pngScale = 2;

/** Vega-Lite → Vega → SVG, headless (no canvas: vega measures text with its own estimates). */
export async function chartToSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * SVG → PNG with resvg (a Rust rasteriser shipped as a prebuilt npm package: no download, no browser). Text is
 * drawn with the system's fonts, DejaVu Sans first.
 */
export function svgToPng(svg: string): { png: Buffer; width: number; height: number } {
  const rendered = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: chartFont, sansSerifFamily: chartFont },
    fitTo: { mode: 'zoom', value: pngScale },
  }).render();
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
}

export async function renderChart(chart: Chart, options: { png: boolean }): Promise<RenderedChart> {
  const svg = await chartToSvg(chart.spec);
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!options.png) {
    return {
      id: chart.id,
      title: chart.title,
      svg,
      png: null,
      width: Number(size?.[1] ?? 0),
      height: Number(size?.[2] ?? 0),
    };
  }
  const { png, width, height } = svgToPng(svg);
  return { id: chart.id, title: chart.title, svg, png, width, height };
}

/** Every chart of a report, one below the other, as one Vega-Lite spec (what `--format png` draws). */
export function stackedSpec(charts: readonly Chart[]): Record<string, unknown> {
  const [first] = charts;
  if (!first) throw new Error('no charts to stack');
  const { config, background, padding } = first.spec;
  return {
    $schema: first.spec.$schema,
    background,
    padding,
    config,
    spacing: 32,
    vconcat: charts.map(({ spec }) => {
      const { $schema: _schema, config: _config, background: _background, padding: _padding, ...rest } = spec;
      return rest;
    }),
  };
}
