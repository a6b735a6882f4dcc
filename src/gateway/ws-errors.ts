import { assertUnreachable, DomainError, DomainErrorKind } from '../common/domain-error';

/**
 * /ws has its own error mapping (the HTTP filter never sees a socket): a domain error that ends a connection
 * becomes a WebSocket close code, 4000 + the HTTP status where one fits, so a browser can tell 4401 from 4403.
 */
export const WS_CLOSE_UNAUTHENTICATED = 4401;
/** Too many messages, too many connections, or replies not read: the client must slow down. */
export const WS_CLOSE_RATE_LIMITED = 4429;

export function closeCodeForKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'INVALID':
      return 4400;
    case 'UNAUTHENTICATED':
      return WS_CLOSE_UNAUTHENTICATED;
    case 'FORBIDDEN':
      return 4403;
    case 'NOT_FOUND':
      return 4404;
    case 'CONFLICT':
      return 4409;
    case 'UNPROCESSABLE':
      return 4422;
    case 'RATE_LIMITED':
      return WS_CLOSE_RATE_LIMITED;
    case 'UNAVAILABLE':
      return 1013; // Try Again Later
    case 'INTERNAL':
      return 1011;
    default:
      return assertUnreachable(kind);
  }
}

/** Close code and a reason safe to show (≤ 123 bytes, no internals for 1011). */
export function closeFor(error: unknown): { code: number; reason: string } {
  if (error instanceof DomainError) {
    const code = closeCodeForKind(error.kind);
    return { code, reason: code === 1011 ? 'Internal error' : truncateUtf8(error.message, 123) };
  }
  return { code: 1011, reason: 'Internal error' };
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
