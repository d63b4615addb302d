import type { ScenarioReport } from '../support/report.js';

export interface ScenarioOptions {
  /** CI's short version: one scenario of each kind, smaller loads. */
  short: boolean;
  /** The fuzzer's seed: the same seed sends the same requests. */
  seed: number;
  /** Progress, for people watching (stderr). */
  log(message: string): void;
}

export interface Scenario {
  name: string;
  run(report: ScenarioReport, options: ScenarioOptions): Promise<void>;
}
