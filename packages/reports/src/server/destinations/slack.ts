import type { SlackMessage } from '../../slack/blocks.js';
import { DeliveryFailedError, DeliveryRefusedError } from '../errors.js';

const timeoutMs = 10_000;

/**
 * Posts a message to a Slack incoming webhook. Slack answers 200 `ok`; a 4xx (`invalid_token`, `no_service`,
 * `channel_is_archived`…) means the webhook is gone, and no retry brings it back; 429 and 5xx may pass.
 */
export async function postToSlack(
  url: string,
  message: SlackMessage,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DeliveryFailedError(
      `Slack could not be reached: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = (await response.text()).slice(0, 200);
  if (response.ok) return;
  if (response.status === 429 || response.status >= 500) {
    throw new DeliveryFailedError(`Slack answered ${response.status}: ${text}`);
  }
  throw new DeliveryRefusedError(`Slack refused the message (${response.status}): ${text}`);
}
