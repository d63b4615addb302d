import type { ProtocolRun, RunEvent, StepRun } from '@tundra/core';

/** One of Tundra's runs with its steps and its event stream: the input of the "Tundra's own work" report. */
export interface RunHistory {
  run: ProtocolRun;
  steps: StepRun[];
  events: RunEvent[];
}
