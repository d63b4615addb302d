/** Why a webhook was refused; a bounded label of `tundra_webhook_rejections_total`. */
export const RejectReason = {
  MissingSignature: 'missing_signature',
  BadSignature: 'bad_signature',
  /** The project names a secret variable that is not set: an operator's mistake, logged as an error. */
  NoSecret: 'no_secret',
  MissingHeader: 'missing_header',
  MalformedJson: 'malformed_json',
  InvalidPayload: 'invalid_payload',
  TooLarge: 'too_large',
  /** The body stopped arriving for the body timeout (a stalled sender, or a body shorter than its length). */
  Timeout: 'timeout',
  UnsupportedMediaType: 'unsupported_media_type',
  UnknownProject: 'unknown_project',
  /** Redis could not take the delivery, or did not answer in time: answered 503 with Retry-After. */
  Unavailable: 'unavailable',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** A refusal as the sender is told: a status, a reason code, a sentence, and for a wrong shape the fields. */
export interface Rejection {
  outcome: 'rejected';
  status: 400 | 401 | 404 | 408 | 413 | 415 | 503;
  reason: RejectReason;
  message: string;
  issues?: string[];
  /** Seconds, for a `Retry-After` header: when trying again may work. */
  retryAfterSeconds?: number;
}

export function reject(
  status: Rejection['status'],
  reason: RejectReason,
  message: string,
  issues?: string[],
): Rejection {
  return { outcome: 'rejected', status, reason, message, ...(issues ? { issues } : {}) };
}
