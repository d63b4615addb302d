import type { NextFunction, Request, Response } from 'express';

/**
 * How long the sandbox takes to answer an API request, to stand in for a real Taiga: taiga-back 6.10.0 measured on
 * a 2-core machine answers a GET in 50–80 ms and a PATCH that carries a comment in about 250 ms.
 */
export interface SandboxLatency {
  /** GET and HEAD. */
  readMs: number;
  /** POST, PATCH, PUT, DELETE. */
  writeMs: number;
}

/** The figures measured on taiga-back 6.10.0 (the middle of the GET range). */
export const realTaigaLatency: SandboxLatency = { readMs: 65, writeMs: 250 };

/** Holds each API request for its latency before it is handled, as a slower server would. */
export function latencyMiddleware(latency: SandboxLatency) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const ms = req.method === 'GET' || req.method === 'HEAD' ? latency.readMs : latency.writeMs;
    if (ms <= 0) return next();
    setTimeout(next, ms);
  };
}
