import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';

/** What an engine may write to `$TUNDRA_RESULT_FILE`. Extra fields are allowed and ignored. */
export const EngineResult = z.object({
  status: z.enum(['succeeded', 'failed']),
  summary: z.string().max(20_000).optional(),
  tokens: z.object({ input: z.number().int().min(0), output: z.number().int().min(0) }).optional(),
  costUsd: z.number().min(0).optional(),
  /** The model the engine ran, and its own id of the session (to find or resume it). */
  model: z.string().min(1).max(200).optional(),
  sessionId: z.string().min(1).max(200).optional(),
});
export type EngineResult = z.infer<typeof EngineResult>;

/** The result file is small by contract; a bigger one is an engine bug, not something to load into memory. */
const maxResultBytes = 1024 * 1024;

export type ResultFileRead =
  | { kind: 'absent' }
  | { kind: 'valid'; result: EngineResult }
  | { kind: 'invalid'; message: string };

/** Reads and validates the result file an engine may have written. */
export async function readResultFile(path: string): Promise<ResultFileRead> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  if (size > maxResultBytes) {
    return { kind: 'invalid', message: `result file is ${size} bytes; at most ${maxResultBytes} allowed` };
  }
  return parseEngineResult(await readFile(path, 'utf8'));
}

/** Parses the text of a result file: JSON, then the EngineResult schema. */
export function parseEngineResult(text: string): ResultFileRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', message: `result file is not JSON: ${(error as Error).message}` };
  }
  const parsed = EngineResult.safeParse(json);
  if (parsed.success) return { kind: 'valid', result: parsed.data };
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
  return { kind: 'invalid', message: `result file is invalid: ${issues.join('; ')}` };
}
