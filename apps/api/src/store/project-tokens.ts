import type { Keys, RedisClient } from '@tundra/core/server';
import { z } from 'zod';
import { hashToken, newProjectToken, projectOfToken } from '../auth/token-hash.js';

const StoredToken = z.object({ name: z.string(), createdAt: z.string() });
export type ProjectTokenInfo = z.infer<typeof StoredToken>;

export type CreateTokenResult =
  | { kind: 'created'; token: string; info: ProjectTokenInfo }
  | { kind: 'name_taken' };

/**
 * Per-project API tokens. Redis holds only their SHA-256 hashes, in one hash per project; the token itself is
 * shown once, when it is created. Lookup is by hash, so no stored secret is ever compared byte by byte.
 */
export class ProjectTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly now: () => Date,
  ) {}

  async create(projectId: string, name: string): Promise<CreateTokenResult> {
    if ((await this.list(projectId)).some((info) => info.name === name)) return { kind: 'name_taken' };
    const token = newProjectToken(projectId);
    const info = { name, createdAt: this.now().toISOString() };
    await this.redis.hset(this.keys.projectTokens(projectId), hashToken(token), JSON.stringify(info));
    return { kind: 'created', token, info };
  }

  /** The project and token name a token belongs to, or null when it is unknown or revoked. */
  async verify(token: string): Promise<{ projectId: string; name: string } | null> {
    const projectId = projectOfToken(token);
    if (!projectId) return null;
    const name = await this.nameOfHash(projectId, hashToken(token));
    return name === null ? null : { projectId, name };
  }

  /** The name of the project's token with this SHA-256 (a console session holds the hash), or null. */
  async nameOfHash(projectId: string, tokenHash: string): Promise<string | null> {
    const stored = await this.redis.hget(this.keys.projectTokens(projectId), tokenHash);
    return stored === null ? null : StoredToken.parse(JSON.parse(stored)).name;
  }

  async list(projectId: string): Promise<ProjectTokenInfo[]> {
    const all = await this.redis.hvals(this.keys.projectTokens(projectId));
    return all.map((value) => StoredToken.parse(JSON.parse(value)));
  }

  /** Revokes the token named `name`; false when there is none. */
  async revoke(projectId: string, name: string): Promise<boolean> {
    const key = this.keys.projectTokens(projectId);
    const all = await this.redis.hgetall(key);
    const hash = Object.keys(all).find((h) => StoredToken.parse(JSON.parse(all[h]!)).name === name);
    return hash !== undefined && (await this.redis.hdel(key, hash)) === 1;
  }
}
