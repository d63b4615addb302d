import type { ContextFile, PlannedStep, Project, ProtocolRun } from '@tundra/core';
import { NonRetryableError } from '@tundra/core';

/** The Taiga item being planned, as the plan engines need it. */
export interface PlanItem {
  type: 'userstory' | 'task';
  id: number;
  ref: number;
  subject: string;
  description: string;
  /** The item's Taiga tags, by name. */
  tags: string[];
}

export interface PlanRequest {
  project: Project;
  run: ProtocolRun;
  item: PlanItem;
  /** The run's context file, as an exec engine's (`TUNDRA_CONTEXT_FILE`): the item, the earlier plan, remarks. */
  context: ContextFile;
}

/** Turns a Taiga item into the steps of a plan. */
export interface PlanEngine {
  readonly name: string;
  plan(request: PlanRequest): Promise<PlannedStep[]>;
}

/** Planning cannot succeed as things are (no steps, bad engine output): the run fails with this message. */
export class PlanFailedError extends NonRetryableError {
  readonly code = 'PLAN_FAILED';
}
