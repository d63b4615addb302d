import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time whatever their lengths: both are hashed first, so neither the content
 * nor the length of the expected value leaks through timing.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(actual), digest(expected));
}

/** GitHub's `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body with the webhook secret. */
export function verifyGithubSignature(rawBody: Buffer, secret: string, header: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
  return safeEqual(header.trim().toLowerCase(), expected);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}
