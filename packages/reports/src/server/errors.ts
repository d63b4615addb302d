import { NonRetryableError, TundraError } from '@tundra/core';

/** A report asked for in a way that cannot be made: an unknown kind, a bad period, png of a report without charts. */
export class ReportRequestError extends NonRetryableError {
  readonly code = 'REPORT_REQUEST_INVALID';
}

/** A destination refused the report for a reason no retry fixes (a revoked Slack webhook, a missing variable). */
export class DeliveryRefusedError extends NonRetryableError {
  readonly code = 'REPORT_DELIVERY_REFUSED';
}

/** A destination failed in a way that may pass (Slack or Taiga down, throttled). */
export class DeliveryFailedError extends TundraError {
  readonly code = 'REPORT_DELIVERY_FAILED';
}
