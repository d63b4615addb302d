import { z } from 'zod';
import { ModelName } from './engine-preset.js';

/** What a `command` plan engine prints on stdout: the steps of the plan, in order. */
export const CommandPlanOutput = z.object({
  steps: z
    .array(
      z.object({
        title: z.string().min(1).max(500),
        instructions: z.string().max(100_000),
        /** The model this step should run with (checked against the project's allow-list before it starts). */
        model: ModelName.optional(),
      }),
    )
    .min(1, 'a plan needs at least one step')
    .max(100),
});
export type CommandPlanOutput = z.infer<typeof CommandPlanOutput>;
