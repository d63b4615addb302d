import { z } from 'zod';

/** Published on the control channel when a transition asks for `stop_engine`: executors kill matching engines. */
export const StopSignal = z.object({
  protocolRunId: z.string(),
  /** The step whose engine must stop; null stops every engine of the run. */
  stepRunId: z.string().nullable(),
  reason: z.string(),
});
export type StopSignal = z.infer<typeof StopSignal>;
