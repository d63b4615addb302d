import type { Client } from 'openapi-fetch';
import type { RetryMode, SendInit, Sent } from './call-runner.js';
import type { paths } from './generated/schema.js';
import type { PatchOutcome } from './optimistic-patch.js';
import type { PageInfo } from './pagination.js';
import type { PaginationMode } from './types.js';

/** One page of a list and what its headers say about the others. */
export interface TaigaPage<T> {
  readonly items: T[];
  readonly page: PageInfo;
}

/** The client's plumbing the calls are made with (retries, auth, pagination, the version check). */
export interface CallHelpers {
  api: Client<paths>;
  call<D>(
    endpoint: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    retry: RetryMode,
    send: (init: SendInit) => Promise<Sent<D>>,
  ): Promise<D>;
  get<D>(endpoint: string, send: (init: SendInit) => Promise<Sent<D>>): Promise<D>;
  listAll<T>(
    endpoint: string,
    mode: PaginationMode,
    fetchPage: (query: Record<string, unknown> | null, init: SendInit) => Promise<Sent<T[]>>,
  ): Promise<T[]>;
  /** One page of a list, with what its headers say about the others. */
  getPage<T>(endpoint: string, send: (init: SendInit) => Promise<Sent<T[]>>): Promise<TaigaPage<T>>;
  /** A GET answering null for Taiga's 404 instead of throwing. */
  getOrNull<D>(endpoint: string, send: (init: SendInit) => Promise<Sent<D>>): Promise<D | null>;
  patchVia<T extends { version: number }, B extends object>(
    resource: 'wiki',
    endpoint: string,
    read: () => Promise<T>,
    write: (body: B & { version: number }, init: SendInit) => Promise<Sent<T>>,
    change: (current: T) => B | null,
  ): Promise<PatchOutcome<T>>;
}
