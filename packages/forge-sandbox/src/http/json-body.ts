import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** A JSON body parser whose refusal of malformed JSON is answered by `refuse` (each forge words it its own way). */
export function jsonBody(refuse: (res: Response, message: string) => void): RequestHandler[] {
  return [
    express.json({ limit: '5mb', type: ['application/json', 'application/*+json'] }),
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (error instanceof SyntaxError && 'body' in error) {
        refuse(res, error.message);
        return;
      }
      next(error);
    },
  ] as RequestHandler[];
}
