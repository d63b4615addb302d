import { z } from 'zod';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { CorrelationId, ProjectId, ProtocolRunId, Timestamp } from './ids.js';
import { TaigaItemRef } from './taiga-item.js';

export const PlanSummary = z.object({
  engine: z.string(),
  stepCount: z.number().int().min(0),
  generation: z.number().int().min(1),
  createdAt: Timestamp,
});
export type PlanSummary = z.infer<typeof PlanSummary>;

/** One unit of work: one Taiga user story or task taken on by Tundra. */
export const ProtocolRun = z.object({
  id: ProtocolRunId,
  projectId: ProjectId,
  status: z.enum(Object.values(ProtocolRunStatus)),
  version: z.number().int().min(1),
  taigaItem: TaigaItemRef,
  title: z.string(),
  branch: z.string().nullable(),
  plan: PlanSummary.nullable(),
  correlationId: CorrelationId,
  /** Why the run is blocked or failed, for people; null otherwise. */
  reason: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ProtocolRun = z.infer<typeof ProtocolRun>;
