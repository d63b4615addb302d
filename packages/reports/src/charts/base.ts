import type { Chart } from '../model/report.js';

/** The font charts are drawn with; the PNG rasteriser loads the same family (DejaVu ships with Debian). */
export const chartFont = 'DejaVu Sans';

/** Every chart's frame: the Vega-Lite schema, its size, a white background and the font. */
export function chart(
  id: string,
  title: string,
  spec: Record<string, unknown>,
  size: { width: number; height: number } = { width: 640, height: 280 },
): Chart {
  return {
    id,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: title, anchor: 'start', fontSize: 14 },
      ...size,
      background: 'white',
      padding: 12,
      config: {
        font: chartFont,
        axis: { labelFontSize: 11, titleFontSize: 12 },
        legend: { labelFontSize: 11, titleFontSize: 12 },
        view: { stroke: null },
      },
      ...spec,
    },
  };
}

/** A color scale that keeps Taiga's own colors for statuses, severities and the like, in their order. */
export function orderedColors(values: readonly { name: string; color: string }[]): Record<string, unknown> {
  return { domain: values.map((value) => value.name), range: values.map((value) => value.color) };
}
