import { createHash, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Keys, RedisClient } from '@tundra/core/server';
import { defineScript, ScriptCode } from '@tundra/core/server';

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

/** `CODE_OK` or `CODE_NOT_FOUND` (the claim is not this attempt's): whether the script did its write. */
const didWrite = (name: string) => (reply: unknown[]) => {
  if (reply[0] === ScriptCode.Ok) return true;
  if (reply[0] === ScriptCode.NotFound) return false;
  throw new Error(`${name}: unexpected reply ${JSON.stringify(reply)}`);
};

/** Null when claimed; else what the record holds (`status` and `body` null while its request is being answered). */
export const claimRequest = defineScript({
  name: 'claim-request',
  dir: luaDir,
  keys: ['record'],
  args: ['fingerprint', 'claimId', 'claimTtlMs'],
  decode: (reply) => {
    if (reply[0] === ScriptCode.Ok) return null;
    if (reply[0] !== ScriptCode.Exists)
      throw new Error(`claim-request: unexpected reply ${JSON.stringify(reply)}`);
    const [, request, status, body] = reply as [number, string, string | null, string | null];
    return { request, status, body };
  },
});

export const finishRequest = defineScript({
  name: 'finish-request',
  dir: luaDir,
  keys: ['record'],
  args: ['claimId', 'status', 'body', 'ttlSeconds'],
  decode: didWrite('finish-request'),
});

export const releaseRequest = defineScript({
  name: 'release-request',
  dir: luaDir,
  keys: ['record'],
  args: ['claimId'],
  decode: didWrite('release-request'),
});

/**
 * Idempotency records for actions that are not one transition of a run (those keep theirs in the transition
 * script): a request claims its key (with the request's fingerprint) before it acts, stores its first answer under
 * it for `idempotencyTtlSeconds`, or frees the key when it ends in an error so that it can be sent again.
 */
export class IdempotencyRecords {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Claims the record of a `POST /runs` in `projectId` with `idempotencyKey` (as the routes scope it). */
  claimStart(projectId: string, idempotencyKey: string, fingerprint: string): Promise<ClaimOutcome> {
    return this.claim(this.keys.startRequest(projectId, idempotencyKey), fingerprint);
  }

  /** Claims `key` for the request with `fingerprint`, or says what the key holds already. */
  async claim(key: string, fingerprint: string): Promise<ClaimOutcome> {
    const id = randomUUID();
    const held = await claimRequest.run(
      this.redis,
      { record: key },
      { fingerprint, claimId: id, claimTtlMs },
    );
    if (held === null) return { kind: 'claimed', claim: { key, id } };
    if (held.request !== fingerprint) return { kind: 'other_request' };
    if (held.status === null || held.body === null) return { kind: 'in_progress' };
    return { kind: 'answered', answer: { status: Number(held.status), body: JSON.parse(held.body) } };
  }

  /** Stores the first answer; false when the claim expired or was taken over meanwhile (nothing is stored). */
  async finish(claim: Claim, answer: StoredAnswer): Promise<boolean> {
    return finishRequest.run(
      this.redis,
      { record: claim.key },
      {
        claimId: claim.id,
        status: answer.status,
        body: JSON.stringify(answer.body),
        ttlSeconds: idempotencyTtlSeconds,
      },
    );
  }

  /** Frees the key of a request that ended in an error. */
  async release(claim: Claim): Promise<void> {
    await releaseRequest.run(this.redis, { record: claim.key }, { claimId: claim.id });
  }
}
