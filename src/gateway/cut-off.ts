import { WebSocket } from 'ws';

/** A client that does not answer our close frame within this long is dropped at the TCP level. */
export const CLOSE_GRACE_MS = 1000;

/**
 * Ends a connection we refuse to serve any longer: forget its message handlers (frames still arriving are parsed by
 * ws and dropped), send the close code, and drop the TCP connection if the close handshake does not finish promptly
 * (a client that does not read would otherwise hold its buffered bytes for ws's 30 s close timeout).
 */
export function cutOff(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === WebSocket.CLOSED) return;
  socket.removeAllListeners('message');
  if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
