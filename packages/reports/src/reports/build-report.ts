import type { ReportKind } from '@tundra/core';
import type { Report } from '../model/report.js';
import type { RunHistory } from '../model/runs-data.js';
import type { ProjectData } from '../model/taiga-data.js';
import { agingReport } from './aging.js';
import { bugFlowReport } from './bug-flow.js';
import { exceptionsReport } from './exceptions.js';
import type { ReportOptions } from './report-input.js';
import { storyFlowReport } from './story-flow.js';
import { tundraWorkReport } from './tundra-work.js';

/** What a report is made from: Taiga's data for every kind but `work`, which reads Tundra's runs. */
export type ReportData =
  | { kind: 'work'; runs: readonly RunHistory[] }
  | { kind: Exclude<ReportKind, 'work'>; taiga: ProjectData };

/** What each report is called (wiki page titles, CLI help). */
export const reportTitles: Record<ReportKind, string> = {
  bugs: 'Bug flow',
  flow: 'Flow of stories',
  aging: 'Aging and stuck work',
  work: "Tundra's work",
  exceptions: 'Exceptions',
};

/** Builds a report of its kind from its data. */
export function buildReport(data: ReportData, options: ReportOptions): Report {
  switch (data.kind) {
    case 'bugs':
      return bugFlowReport(data.taiga, options);
    case 'flow':
      return storyFlowReport(data.taiga, options);
    case 'aging':
      return agingReport(data.taiga, options);
    case 'exceptions':
      return exceptionsReport(data.taiga, options);
    case 'work':
      return tundraWorkReport(data.runs, options);
    default: {
      const exhaustive: never = data;
      throw new Error(`unknown report ${JSON.stringify(exhaustive)}`);
    }
  }
}
