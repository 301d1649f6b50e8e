// One message to many sockets: the frame is encoded once and the same bytes are written to each
// open socket (sent uncompressed: each connection's compressor has its own state). A socket past
// its send-buffer limit is closed with 1008 rather than made to hold more (WebSocket#send).

import { WebSocket, encodeMessage, type SendOptions } from './websocket.ts';

export interface BroadcastOptions {
  binary?: boolean;
  /** A socket to leave out (the sender of a chat message, say). */
  except?: WebSocket;
}

/** Sends data to every open socket in clients; returns how many it was written to. */
export function broadcast(clients: Iterable<WebSocket>, data: string | Buffer | Uint8Array, options: BroadcastOptions = {}): number {
  const send: SendOptions = options.binary === undefined ? {} : { binary: options.binary };
  const message = encodeMessage(data, send);
  let count = 0;
  for (const ws of clients) {
    if (ws === options.except || ws.readyState !== WebSocket.OPEN) continue;
    void ws.sendEncoded(message);
    // A socket past its send limit is closed by the send (1008): it did not get the message.
    if (ws.readyState === WebSocket.OPEN) count++;
  }
  return count;
}
