import { createHash } from 'node:crypto';
import { DomainError } from '../../common/domain-error';

/**
 * Deterministic Bybit `orderLinkId`s (≤ 36 chars of [A-Za-z0-9_-], https://bybit-exchange.github.io/docs/v5/order/create-order):
 * the same cause always yields the same id, so a retry or a restart re-sends an order Bybit refuses as a
 * duplicate instead of placing it twice. The first character names the kind, so ids of different kinds can
 * never collide and recovery can tell the bot's orders from foreign ones.
 *
 *   entry: `E` + signal id (when it fits and uses only allowed characters), else `Eh` + 32 hex of sha256(signal id)
 *   exit:  `X` + position uuid without dashes (32 hex) + attempt in base 36, 2 chars = 35 chars
 */
export type ClientOrderIdSource =
  | { readonly kind: 'entry'; readonly signalId: string }
  | { readonly kind: 'exit'; readonly positionId: string; readonly attempt: number };

export type ParsedClientOrderId =
  | { readonly kind: 'entry' }
  | { readonly kind: 'exit'; readonly positionIdHex: string; readonly attempt: number }
  | { readonly kind: 'foreign' };

export const CLIENT_ORDER_ID_MAX_LENGTH = 36;
/** Exit attempts are two base-36 digits: 0..1295. */
export const MAX_EXIT_ATTEMPT = 36 * 36 - 1;

const ALLOWED = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const EXIT = /^X([0-9a-f]{32})([0-9a-z]{2})$/;

/** A source no orderLinkId can be derived from: a programming error of the caller, never a client's input. */
export class ClientOrderIdError extends DomainError<'INVALID_CLIENT_ORDER_ID_SOURCE'> {
  constructor(message: string) {
    super('INVALID_CLIENT_ORDER_ID_SOURCE', 'INVALID', message);
  }
}

export function clientOrderIdFor(source: ClientOrderIdSource): string {
  switch (source.kind) {
    case 'entry':
      return entryId(source.signalId);
    case 'exit':
      return exitId(source.positionId, source.attempt);
    default:
      throw new ClientOrderIdError(`unknown client order id source ${(source as { kind: unknown }).kind as string}`);
  }
}

export function parseClientOrderId(id: string): ParsedClientOrderId {
  if (id.length > CLIENT_ORDER_ID_MAX_LENGTH || !ALLOWED.test(id)) return { kind: 'foreign' };
  const exit = EXIT.exec(id);
  if (exit) return { kind: 'exit', positionIdHex: exit[1], attempt: parseInt(exit[2], 36) };
  if (id.startsWith('E') && id.length >= 2) {
    // A verbatim signal id that itself looks like a hash would be ambiguous; entryId never produces one.
    return { kind: 'entry' };
  }
  return { kind: 'foreign' };
}

function entryId(signalId: string): string {
  if (signalId.length === 0) throw new ClientOrderIdError('signalId must not be empty');
  // A signal id of the form `h` + 32 hex is hashed too, so a verbatim id can never equal a hashed one.
  if (signalId.length < CLIENT_ORDER_ID_MAX_LENGTH && onlyAllowedCharacters(signalId) && !isHashedEntryTail(signalId))
    return `E${signalId}`;
  return `Eh${createHash('sha256').update(signalId, 'utf8').digest('hex').slice(0, 32)}`;
}

/*
 * The entry id is derived once per signal, on the order path, where it runs cold: a compiled RegExp costs tens of
 * µs there and these loops a few. They accept exactly what /^[A-Za-z0-9_-]+$/ and /^h[0-9a-f]{32}$/ accept.
 */
function onlyAllowedCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const allowed = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!allowed) return false;
  }
  return text.length > 0;
}

function isHashedEntryTail(text: string): boolean {
  if (text.length !== 33 || text.charCodeAt(0) !== 104) return false;
  for (let i = 1; i < 33; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function exitId(positionId: string, attempt: number): string {
  if (!UUID.test(positionId))
    throw new ClientOrderIdError(`positionId must be a uuid, got ${JSON.stringify(positionId)}`);
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > MAX_EXIT_ATTEMPT) {
    throw new ClientOrderIdError(`attempt must be an integer 0..${MAX_EXIT_ATTEMPT}, got ${attempt}`);
  }
  return `X${positionId.replace(/-/g, '').toLowerCase()}${attempt.toString(36).padStart(2, '0')}`;
}
