import { ApiRequestError, CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

export interface ApiClientOptions {
  /** The API's address, e.g. `http://localhost:8081` (`/api/v1` is added unless it is there). */
  baseUrl: string;
  /** The admin token (`Authorization: Bearer`). */
  token?: string | undefined;
  /** A project token (`X-Project-Token`); used instead of the admin token when given. */
  projectToken?: string | undefined;
  /** The path of the API under the base URL; `/api/v1` by default, `''` for the ingester's admin routes. */
  prefix?: string;
}

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
}

/** Reads an error body of the API (`{error: {code, message, details}}`) or of anything else, for a message. */
function toError(status: number, body: unknown): ApiRequestError {
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const { code, message, details } = error as {
      code?: string;
      message?: string;
      details?: Record<string, unknown>;
    };
    return new ApiRequestError(
      status,
      code ?? `HTTP_${status}`,
      message ?? `HTTP ${status}`,
      details ?? {},
      body,
    );
  }
  // Other Tundra endpoints (the ingester's admin routes) answer `{error: 'code', message}`.
  const flat = body as { error?: string; message?: string } | null;
  return new ApiRequestError(
    status,
    typeof flat?.error === 'string' ? flat.error : `HTTP_${status}`,
    flat?.message ?? `HTTP ${status}`,
    {},
    body,
  );
}

/** A small client of Tundra's API: JSON requests and Server-Sent Event streams, errors as ApiRequestError. */
export class ApiClient {
  private readonly root: string;

  constructor(private readonly options: ApiClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const prefix = options.prefix ?? '/api/v1';
    this.root = prefix !== '' && base.endsWith(prefix) ? base : `${base}${prefix}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const auth: Record<string, string> = this.options.projectToken
      ? { 'x-project-token': this.options.projectToken }
      : this.options.token
        ? { authorization: `Bearer ${this.options.token}` }
        : {};
    return { accept: 'application/json', ...auth, ...extra };
  }

  private url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(`${this.root}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new CliError(`cannot reach ${url}${cause}`, ExitCode.Error);
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: callers name the shape they read
  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers = this.headers(options.headers);
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.send(this.url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: { code: `HTTP_${response.status}`, message: text.slice(0, 500) } };
    }
    if (!response.ok) throw toError(response.status, body);
    return body as T;
  }

  /** A GET whose answer is not JSON (a report as Markdown, CSV, HTML or PNG): the content type and the bytes. */
  async download(
    path: string,
    query: RequestOptions['query'] = {},
  ): Promise<{ contentType: string; body: Buffer }> {
    const response = await this.send(this.url(path, query), {
      method: 'GET',
      headers: this.headers({ accept: '*/*' }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = { error: { code: `HTTP_${response.status}`, message: body.toString('utf8').slice(0, 500) } };
      }
      throw toError(response.status, parsed);
    }
    return { contentType: response.headers.get('content-type') ?? '', body };
  }

  /**
   * Follows a Server-Sent Events endpoint, yielding each event. When the connection drops it reconnects with
   * `Last-Event-ID`, so nothing is missed or repeated; it gives up after `maxReconnects` failures in a row.
   */
  async *stream(
    path: string,
    options: { after?: string | undefined; signal?: AbortSignal; maxReconnects?: number } = {},
  ): AsyncGenerator<SseEvent> {
    let lastId = options.after;
    let failures = 0;
    for (;;) {
      const headers = this.headers({
        accept: 'text/event-stream',
        ...(lastId ? { 'last-event-id': lastId } : {}),
      });
      const response = await this.send(this.url(path), { headers, signal: options.signal ?? null });
      if (!response.ok) throw toError(response.status, await response.json().catch(() => null));
      try {
        for await (const event of parseSse(response.body!)) {
          failures = 0;
          lastId = event.id;
          yield event;
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (++failures > (options.maxReconnects ?? 5)) throw error;
      }
      if (options.signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Parses an SSE byte stream into events (comments such as heartbeats are skipped). */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  let buffer = '';
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields.data !== undefined) {
        yield { id: fields.id ?? '', event: fields.event ?? 'message', data: JSON.parse(fields.data) };
      }
    }
  }
}
