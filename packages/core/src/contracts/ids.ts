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
