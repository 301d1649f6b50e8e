// The status an access line and the metrics record for a response that did not complete, whatever
// the protocol: 499 when the client left (nginx's "client closed request"; not an HTTP status), the
// status already sent when we cut the response after its head, 503 when we cut it before (a forced
// shutdown, a timeout).

const CLIENT_CLOSED = 499;
const CUT_BEFORE_HEAD = 503;

export function cutStatus(cutByUs: boolean, headersSent: boolean, status: number): number {
  return !cutByUs ? CLIENT_CLOSED : headersSent ? status : CUT_BEFORE_HEAD;
}
