import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProjectId } from '@tundra/core';

/** SHA-256 of a token, hex: what is stored and compared, never the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Compares two secrets in constant time. Both sides are hashed first, so the comparison takes the same time
 * whatever their lengths (`timingSafeEqual` alone needs equal lengths and would leak the expected one).
 */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

const tokenPrefix = 'tpt';

/**
 * A new project token: `tpt.<projectId>.<secret>`. The project id in the clear lets the API find the project's
 * token hash without a global index; the 256-bit secret is what makes it unguessable.
 */
export function newProjectToken(projectId: string): string {
  return `${tokenPrefix}.${projectId}.${randomBytes(32).toString('base64url')}`;
}

/** The project a token claims to belong to, or null when it is not shaped like a project token. */
export function projectOfToken(token: string): string | null {
  const parts = token.split('.');
  // The id ends up in a Redis key name: only a well-formed project id may get that far.
  const valid =
    parts.length === 3 && parts[0] === tokenPrefix && ProjectId.safeParse(parts[1]).success && parts[2];
  return valid ? parts[1]! : null;
}
