import type { ReportKind } from '@tundra/core';

export type Cell = string | number | null;

export interface Column {
  key: string;
  label: string;
}

/** Rows with named columns: what csv and json hold, and what Markdown and HTML show as tables. */
export interface Table {
  name: string;
  title: string;
  columns: Column[];
  rows: Record<string, Cell>[];
}

/** A chart as a Vega-Lite specification, rendered to SVG or PNG at the edge. */
export interface Chart {
  id: string;
  title: string;
  /** The Vega-Lite spec, data inlined. */
  spec: Record<string, unknown>;
}

export interface ReportSection {
  title: string;
  /** Plain sentences (no markup). */
  lines: string[];
  /** Names of tables shown in this section. */
  tables: string[];
  /** Ids of charts shown in this section. */
  charts: string[];
}

/** A rule of the exception report that found something, and why. */
export interface RuleFiring {
  rule: string;
  /** The rule, as people read it: "an item blocked for more than 2 days". */
  description: string;
  /** Why it fired: "2 items blocked for more than 2 days: US #12 (3.5 days), …". */
  reason: string;
  items: { label: string; subject: string; detail: string }[];
}

export interface Report {
  kind: ReportKind;
  title: string;
  project: { id: string; name: string };
  period: { since: string; until: string; timeZone: string };
  generatedAt: string;
  /** The headline figures, one sentence each. */
  summary: string[];
  sections: ReportSection[];
  /** The table that `csv` holds (the report's raw rows). */
  rowsTable: string;
  tables: Table[];
  charts: Chart[];
  /** Exception reports: the rules that fired (an empty list means nothing to post). */
  firings: RuleFiring[];
  /** What the reader should know about the data (a fallback taken, data not available yet). */
  notes: string[];
}
