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
  /** The pull/merge request the run delivers through, once opened (`pull-request` delivery). */
  pullRequest: z
    .object({
      forge: z.enum(['github', 'gitlab']),
      number: z.number().int().min(1),
      url: z.string(),
      /** When Tundra opened it (or first found it open), for the time from PR to merge. */
      openedAt: Timestamp,
    })
    .nullable()
    .optional(),
  /** Why the run is blocked or failed, for people; null otherwise. */
  reason: z.string().nullable(),
  /** The item's description when it was planned: the context file's story text. */
  description: z.string().nullable().optional(),
  /** The `model:<name>` tag of the run's Taiga item when it was planned. */
  modelTag: z.string().nullable().optional(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ProtocolRun = z.infer<typeof ProtocolRun>;
