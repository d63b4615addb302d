import type { IncomingMessage } from 'node:http';

/** How reading a request's body ended. */
export type BodyOutcome =
  | { kind: 'body'; bytes: Buffer }
  /** Declared or streamed past the limit: nothing kept, the rest drained so the sender reads the answer. */
  | { kind: 'too_large'; limitBytes: number }
  /** No byte arrived for the body timeout: a stalled sender, or a body shorter than its Content-Length. */
  | { kind: 'stalled'; timeoutMs: number }
  /**
   * The connection ended first: the sender went away, or the server refused the request at the HTTP layer (its
   * request timeout, a broken chunked encoding), which answered and counted it. Nobody is left to answer.
   */
  | { kind: 'gone' };

export interface ReadBodyOptions {
  limitBytes: number;
  /** Longest pause between two pieces of the body. */
  timeoutMs: number;
}

/** How much of a refused body is read and thrown away so that its sender gets the answer, as a multiple of the limit. */
export const discardFactor = 4;
/** Discarding gives up on a sender that pauses this long, or that is still sending after the deadline. */
const discardPauseMs = 1_000;
const discardDeadlineMs = 3_000;

/**
 * A timer for a sender's pause that counts only the sender's silence. When this process itself stalls (a long GC,
 * a busy event loop), the timer is due when the loop turns again, and Node runs timers before it delivers the bytes
 * that arrived meanwhile: deciding one turn later, once they are delivered, keeps our own stall from being taken
 * for the sender's.
 */
function pauseTimer(ms: number, onPause: () => void): { heard: () => void; clear: () => void } {
  let heard = false;
  let cleared = false;
  const timer = setTimeout(() => {
    heard = false;
    setImmediate(() => {
      if (!heard && !cleared) onPause();
    });
  }, ms);
  return {
    heard: () => {
      heard = true;
      timer.refresh();
    },
    clear: () => {
      cleared = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Requests whose body was already drained or given up on (a stalled sender): a later refusal of the same request
 * must not wait for it again.
 */
const finishedWith = new WeakSet<IncomingMessage>();

/**
 * Reads and throws away the rest of a request's body before it is refused. An ordinary client (curl, Python's
 * urllib and requests, Node's fetch) writes its whole body before it reads the answer: answering and closing while
 * it still writes makes the kernel reset the connection, and the client reports a broken pipe instead of the status.
 * Nothing is kept. A body declared larger than `maxBytes`, one that grows past it, a pause of a second (or
 * `timeoutMs` if shorter) or a sender still writing after 3 s is given up on: the answer then goes out with
 * `Connection: close` and may be lost, the price of bounding what a refused sender can cost.
 */
export function discardBody(
  req: IncomingMessage,
  options: { maxBytes: number; timeoutMs: number },
): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (req.complete || req.destroyed || finishedWith.has(req) || declared > options.maxBytes)
    return Promise.resolve();
  finishedWith.add(req);
  return new Promise((resolve) => {
    let size = 0;
    const settle = () => {
      pause.clear();
      clearTimeout(deadline);
      req.off('data', onData).off('end', settle).off('error', settle).off('close', settle);
      resolve();
    };
    const pause = pauseTimer(Math.min(discardPauseMs, options.timeoutMs), settle);
    const deadline = setTimeout(settle, discardDeadlineMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) settle();
      else pause.heard();
    };
    req.on('data', onData).on('end', settle).on('error', settle).on('close', settle);
    req.resume();
  });
}

/** Reads a request's raw body up to a limit, giving up on a sender that pauses longer than the body timeout. */
export async function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyOutcome> {
  const tooLarge = async (): Promise<BodyOutcome> => {
    await discardBody(req, { maxBytes: options.limitBytes * discardFactor, timeoutMs: options.timeoutMs });
    return { kind: 'too_large', limitBytes: options.limitBytes };
  };
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.limitBytes) return tooLarge();
  const outcome = await readWithin(req, options);
  return outcome === null ? tooLarge() : outcome;
}

/** The body, or null once it grows past the limit (the rest still unread). */
function readWithin(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyOutcome | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: BodyOutcome | null) => {
      pause.clear();
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      resolve(outcome);
    };
    // One timer per request, pushed back by each piece of the body (cheaper than a new one per piece).
    const pause = pauseTimer(options.timeoutMs, () => {
      finishedWith.add(req);
      settle({ kind: 'stalled', timeoutMs: options.timeoutMs });
    });
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.limitBytes) {
        settle(null);
        return;
      }
      chunks.push(chunk);
      pause.heard();
    };
    const onEnd = () => settle({ kind: 'body', bytes: Buffer.concat(chunks, size) });
    const onGone = () => settle({ kind: 'gone' });
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}
