import { z } from 'zod';

/** A project's key: chosen by the operator, used in URLs (`/webhooks/taiga/:projectKey`) and Redis keys. */
export const ProjectId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'lowercase letters, digits and dashes, at most 63, starting with a letter or digit',
  );
export type ProjectId = z.infer<typeof ProjectId>;

/** Generated ids are opaque strings with a type prefix, safe in URLs and Redis keys (no braces, colons or spaces). */
const generatedId = (prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[A-Za-z0-9]{8,64}$`), `an id of the form ${prefix}_<alphanumerics>`);

export const ProtocolRunId = generatedId('run');
export type ProtocolRunId = z.infer<typeof ProtocolRunId>;
export const StepRunId = generatedId('step');
export type StepRunId = z.infer<typeof StepRunId>;
export const CorrelationId = z.string().min(1).max(128);
export type CorrelationId = z.infer<typeof CorrelationId>;

/** An ISO-8601 timestamp in UTC, as `Date.prototype.toISOString` writes it. */
export const Timestamp = z.iso.datetime();
export type Timestamp = z.infer<typeof Timestamp>;

const streamIdShape = /^\d+-\d+$/;
const maxStreamIdPart = 2n ** 64n - 1n;

/** The id's two parts, or null when it does not have the shape (zod reports that on its own). */
function streamIdParts(id: string): [ms: bigint, seq: bigint] | null {
  return streamIdShape.test(id) ? (id.split('-').map(BigInt) as [bigint, bigint]) : null;
}

/**
 * A Redis stream id (`<ms>-<seq>`) that a stream can hold: both parts within Redis's 64 bits. Events and log lines
 * page and resume by it; a larger one would reach Redis, which refuses it with an error, not an empty answer.
 */
export const StreamId = z
  .string()
  .regex(streamIdShape, 'a stream id such as 1700000000000-0')
  .refine(
    (id) => {
      const parts = streamIdParts(id);
      return parts === null || (parts[0] <= maxStreamIdPart && parts[1] <= maxStreamIdPart);
    },
    { message: `a stream id whose parts are at most ${maxStreamIdPart}` },
  );

/**
 * A stream id to read after (exclusive): not the very last id, after which nothing can come (Redis refuses a range
 * that starts after it).
 */
export const StreamCursor = StreamId.refine(
  (id) => {
    const parts = streamIdParts(id);
    return parts === null || !(parts[0] === maxStreamIdPart && parts[1] === maxStreamIdPart);
  },
  { message: 'a stream id other than the last one possible' },
);

/** A stream id to read before (exclusive): not `0-0`, before which nothing can be (Redis refuses that range). */
export const StreamBefore = StreamId.refine(
  (id) => {
    const parts = streamIdParts(id);
    return parts === null || parts[0] + parts[1] > 0n;
  },
  { message: 'a stream id other than 0-0' },
);
