// Calls a request's handler the same way for every protocol: a throw, a rejection, or a promise
// that settles with no response sent all reach the connection's handlerFailed (which answers 500
// when it still can). A response whose connection or stream is gone (res.aborted) owes nothing.

import type { Request } from './request.ts';
import type { Response } from './response.ts';

/** A request handler, whatever the protocol under it. */
export type Handler = (req: Request, res: Response) => void | Promise<void>;

export interface HandlerFailureSink {
  handlerFailed(error: unknown, req: Request, res: Response): void;
}

export function runHandler(handler: Handler, req: Request, res: Response, sink: HandlerFailureSink): void {
  let result: void | Promise<void>;
  try {
    result = handler(req, res);
  } catch (error) {
    sink.handlerFailed(error, req, res);
    return;
  }
  if (result !== undefined && typeof result.then === 'function') {
    result.then(
      () => {
        if (!res.finished && !res.headersSent && !res.aborted) sink.handlerFailed(new Error('handler finished without a response'), req, res);
      },
      (error: unknown) => sink.handlerFailed(error, req, res),
    );
  }
}
