import { createHash, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Keys, RedisClient } from '@tundra/core/server';
import { LuaScript, ScriptCode } from '@tundra/core/server';

const luaDir = join(dirname(fileURLToPath(import.meta.url)), 'lua');

/** How long an `Idempotency-Key` is remembered (docs/api.md), here and in the run actions' records. */
export const idempotencyTtlSeconds = 7 * 24 * 3600;

/**
 * How long a key stays claimed by a request still being answered: longer than any answer takes (two Taiga lookups
 * of at most 30 s each by default), short enough that a request that died half-way frees its key soon.
 */
const claimTtlMs = 5 * 60_000;

/** An answer as it was first given. */
export interface StoredAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A key claimed by one attempt to answer a request. */
export interface Claim {
  key: string;
  id: string;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: Claim }
  /** The same request was answered before: answer the same. */
  | { kind: 'answered'; answer: StoredAnswer }
  /** The same request is being answered now, by another attempt. */
  | { kind: 'in_progress' }
  /** The key was used for a different request. */
  | { kind: 'other_request' };

/** What makes two requests the same one: a SHA-256 of their identifying parts, in a fixed order. */
export function requestFingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Idempotency records for actions that are not one transition of a run (those keep theirs in the transition
 * script): a request claims its key (with the request's fingerprint) before it acts, stores its first answer under
 * it for `idempotencyTtlSeconds`, or frees the key when it ends in an error so that it can be sent again.
 */
export class IdempotencyRecords {
  private readonly scripts = {
    claim: new LuaScript('claim-request', luaDir),
    finish: new LuaScript('finish-request', luaDir),
    release: new LuaScript('release-request', luaDir),
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Claims the record of a `POST /protocols` in `projectId` with `idempotencyKey` (as the routes scope it). */
  claimStart(projectId: string, idempotencyKey: string, fingerprint: string): Promise<ClaimOutcome> {
    return this.claim(this.keys.startRequest(projectId, idempotencyKey), fingerprint);
  }

  /** Claims `key` for the request with `fingerprint`, or says what the key holds already. */
  async claim(key: string, fingerprint: string): Promise<ClaimOutcome> {
    const id = randomUUID();
    const reply = await this.scripts.claim.run(this.redis, [key], [fingerprint, id, claimTtlMs]);
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { kind: 'claimed', claim: { key, id } };
      case ScriptCode.Exists: {
        const [, request, status, body] = reply as [number, string, string | null, string | null];
        if (request !== fingerprint) return { kind: 'other_request' };
        if (status === null || body === null) return { kind: 'in_progress' };
        return { kind: 'answered', answer: { status: Number(status), body: JSON.parse(body) } };
      }
      default:
        throw new Error(`claim-request: unexpected reply ${JSON.stringify(reply)}`);
    }
  }

  /** Stores the first answer; false when the claim expired or was taken over meanwhile (nothing is stored). */
  async finish(claim: Claim, answer: StoredAnswer): Promise<boolean> {
    const reply = await this.scripts.finish.run(
      this.redis,
      [claim.key],
      [claim.id, answer.status, JSON.stringify(answer.body), idempotencyTtlSeconds],
    );
    return reply[0] === ScriptCode.Ok;
  }

  /** Frees the key of a request that ended in an error. */
  async release(claim: Claim): Promise<void> {
    await this.scripts.release.run(this.redis, [claim.key], [claim.id]);
  }
}
