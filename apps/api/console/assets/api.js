// The console's only way to the data: the public operator API under /api/v1, with the session cookie, plus the
// CSRF token and an idempotency key on every change.

let csrfToken = '';
let session = null;

/** Who is signed in; sends the browser to the sign-in form when nobody is. */
export async function loadSession() {
  const res = await fetch('/console/session', { credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign('/console/sign-in');
    return new Promise(() => {});
  }
  session = await res.json();
  csrfToken = session.csrfToken;
  return session;
}

/** The session `loadSession` read: who is signed in, and what each state allows. */
export const currentSession = () => session;

export class ApiRefusal extends Error {
  constructor(status, body) {
    // The API's own words, as they are: they say what the state allows.
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
  }
}

/** A GET of `/api/v1<path>`; throws ApiRefusal with the API's message on an error. */
export async function get(path) {
  const res = await fetch(`/api/v1${path}`, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  return answer(res);
}

/** A change: sends the CSRF token, and a fresh Idempotency-Key unless one is given (a retry sends the same). */
export async function send(method, path, body, idempotencyKey = crypto.randomUUID()) {
  const headers = {
    'x-csrf-token': csrfToken,
    'idempotency-key': idempotencyKey,
    accept: 'application/json',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer(res);
}

async function answer(res) {
  if (res.status === 401) location.assign('/console/sign-in');
  if (res.status === 204) return null;
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiRefusal(res.status, body);
  return body;
}

export function signOut() {
  return fetch('/console/sign-out', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-csrf-token': csrfToken },
  });
}

/**
 * Follows a Server-Sent Events stream of the API. On a dropped connection it reconnects with `Last-Event-ID` set to
 * the last event it saw, so nothing is missed and nothing repeats. Returns a function that stops it.
 */
export function follow(path, onEvent, onState = () => {}) {
  const controller = new AbortController();
  let lastId = null;
  let delay = 500;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = { accept: 'text/event-stream' };
        if (lastId !== null) headers['last-event-id'] = lastId;
        const res = await fetch(`/api/v1${path}`, {
          credentials: 'same-origin',
          headers,
          signal: controller.signal,
        });
        if (!res.ok) {
          const body = await res.json().catch(() => null);
          onState('refused', new ApiRefusal(res.status, body).message);
          if (res.status < 500) return;
        } else {
          onState('live');
          delay = 500;
          await readEvents(res.body, (event) => {
            if (event.id) lastId = event.id;
            onEvent(event);
          });
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  run();
  return () => controller.abort();
}

async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { id: null, event: 'message', data: '' };
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = text;
        else if (field === 'event') event.event = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length > 0) {
        event.data = JSON.parse(data.join('\n'));
        onEvent(event);
      }
      end = buffer.indexOf('\n\n');
    }
  }
}
