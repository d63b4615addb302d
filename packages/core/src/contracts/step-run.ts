import { z } from 'zod';
import { StepRunStatus } from '../machine/step-run-machine.js';
import { ProjectId, ProtocolRunId, StepRunId, Timestamp } from './ids.js';

/** Tokens and cost of engine runs. */
export const StepSpend = z.object({
  costUsd: z.number().min(0),
  tokensIn: z.number().int().min(0),
  tokensOut: z.number().int().min(0),
});
export type StepSpend = z.infer<typeof StepSpend>;

/** One step of a run's plan, executed by the exec engine and decided by QA. */
export const StepRun = z.object({
  id: StepRunId,
  protocolRunId: ProtocolRunId,
  projectId: ProjectId,
  order: z.number().int().min(0),
  title: z.string().min(1),
  instructions: z.string(),
  status: z.enum(Object.values(StepRunStatus)),
  version: z.number().int().min(1),
  attempts: z.number().int().min(0),
  /** The Taiga task that shows this step on the board, when there is one. */
  taigaTaskId: z.number().int().positive().nullable(),
  resultSummary: z.string().nullable(),
  commitSha: z.string().nullable(),
  /** The model the plan asked for this step (a `command` plan engine's `model`). */
  plannedModel: z.string().nullable().optional(),
  /** The `model:<name>` tag of the step's Taiga task when it was planned. */
  modelTag: z.string().nullable().optional(),
  /** The model of the latest attempt, as the tool named it (or as asked, when it did not say). */
  model: z.string().nullable().optional(),
  /** The version of the context file (the prompt's template) the latest attempt got. */
  promptVersion: z.string().nullable().optional(),
  /** What every attempt of the step spent, as the engines reported it (or the price table made of it). */
  spend: StepSpend.nullable().optional(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type StepRun = z.infer<typeof StepRun>;

/** What a plan engine produces for each step, before ids and bookkeeping are added. */
export const PlannedStep = StepRun.pick({
  title: true,
  instructions: true,
  taigaTaskId: true,
  plannedModel: true,
  modelTag: true,
});
export type PlannedStep = z.infer<typeof PlannedStep>;
