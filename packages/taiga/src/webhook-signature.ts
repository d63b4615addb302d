import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Taiga's webhook signature: the hex HMAC-SHA1 of the raw request body, keyed by the webhook's key (UTF-8).
 * Taiga sends it as `X-TAIGA-WEBHOOK-SIGNATURE: <hex>` and as `X-Hub-Signature: sha1=<hex>`.
 */
export function signTaigaWebhook(rawBody: Buffer | string, key: string): string {
  return createHmac('sha1', Buffer.from(key, 'utf8')).update(rawBody).digest('hex');
}

/**
 * Whether `headerValue` (either header's value; the `sha1=` prefix is accepted) signs `rawBody` under `key`.
 * Pass the bytes as received: re-serialised JSON never matches Taiga's Python-style separators.
 * Compared in constant time; a missing or malformed value is simply false.
 */
export function verifyTaigaSignature(
  rawBody: Buffer | string,
  key: string,
  headerValue: string | null | undefined,
): boolean {
  if (typeof headerValue !== 'string') return false;
  const hex = headerValue
    .trim()
    .replace(/^sha1=/i, '')
    .toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hex)) return false;
  const expected = Buffer.from(signTaigaWebhook(rawBody, key), 'hex');
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
