// A middleware chain. Each middleware gets the request, the response and next(); it may answer, or
// call next() to hand on (and may await it to act afterwards). next() returns whatever the next
// middleware returned, so a chain of synchronous middleware stays synchronous: no promise per step.

import type { Request } from '../server/request.ts';
import type { Response } from '../server/response.ts';
import type { Handler } from '../server/connection.ts';

export type Next = () => void | Promise<void>;
export type Middleware = (req: Request, res: Response, next: Next) => void | Promise<void>;

export function compose(middleware: readonly Middleware[], last: Handler): Handler {
  const chain = [...middleware];
  return (req, res) => {
    const step = (i: number): void | Promise<void> => {
      if (i === chain.length) return last(req, res);
      let called = false;
      return chain[i]!(req, res, () => {
        if (called) throw new Error('next() called twice');
        called = true;
        return step(i + 1);
      });
    };
    return step(0);
  };
}
