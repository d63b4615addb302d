import { z } from 'zod';
import { StepRunStatus } from '../machine/step-run-machine.js';
import { ProjectId, ProtocolRunId, StepRunId, Timestamp } from './ids.js';

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
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type StepRun = z.infer<typeof StepRun>;

/** What a plan engine produces for each step, before ids and bookkeeping are added. */
export const PlannedStep = StepRun.pick({ title: true, instructions: true, taigaTaskId: true });
export type PlannedStep = z.infer<typeof PlannedStep>;
