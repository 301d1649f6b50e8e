// The client address every access decision and failure count uses. One function, so that the
// proxy-aware address (trusted_proxies, Forwarded / X-Forwarded-For) replaces the peer address in
// one place.

export function clientAddress(req: { readonly remoteAddress: string }): string {
  return req.remoteAddress;
}
