import type { IncomingMessage } from 'node:http';
import { type Rejection, RejectReason, reject } from '../ingest/rejection.js';

const tooLarge = () => reject(413, RejectReason.TooLarge, 'body is larger than the limit');

/**
 * Reads a request's raw body, up to `limit` bytes. A declared or streamed body over the limit is refused without
 * keeping it (the rest is drained, so the sender still reads its 413); a body cut off by the sender is a 400.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | Rejection> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.resolve(tooLarge());
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: Buffer | Rejection) => {
      req.off('data', onData).off('end', onEnd).off('error', onCut).off('close', onCut);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      settle(tooLarge());
      req.resume();
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    const onCut = () =>
      settle(reject(400, RejectReason.MalformedJson, 'the request body was not received in full'));
    req.on('data', onData).on('end', onEnd).on('error', onCut).on('close', onCut);
  });
}
