// Drawing charts: Vega-Lite specs to SVG (vega, headless) and PNG (resvg). Pure of network and disk, but heavy:
// kept off the main entry so that code computing reports does not load it.
export * from './render-chart.js';
