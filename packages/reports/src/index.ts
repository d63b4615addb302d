// The pure part of @tundra/reports: Taiga data and runs → report rows and figures, chart specs, formats, Slack
// blocks. No I/O (see ./render for drawing charts and ./server for Taiga, Redis and the destinations).
export * from './charts/base.js';
export * from './format/cells.js';
export * from './format/csv.js';
export * from './format/html.js';
export * from './format/json.js';
export * from './format/markdown.js';
export * from './model/report.js';
export * from './model/runs-data.js';
export * from './model/taiga-data.js';
export * from './reports/build-report.js';
export * from './reports/exceptions.js';
export * from './reports/report-input.js';
export * from './slack/blocks.js';
export * from './stats/percentile.js';
export * from './taiga/normalize.js';
export * from './time/period.js';
export * from './time/zoned.js';
