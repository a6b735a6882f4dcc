/**
 * The /ws wire protocol, as pure functions (no Nest, no sockets): channel names, client messages, replies.
 *
 * Client → server: `{"op":"subscribe"|"unsubscribe","channels":[...]}`, `{"op":"ping"}`.
 * Server → client: `{"op":...,"success":true|false,...}` replies, and pushes `{"channel":"orderbook:BTCUSDT","data":{...}}`;
 * pushes of the event channels (orders, positions, backtests) add the channel's `seq`: `{"channel":"orders","seq":7,"data":{...}}`.
 */

export type ChannelKind = 'orderbook' | 'metrics' | 'signals' | 'bot' | 'orders' | 'positions' | 'backtests';

/** Channels whose pushes are events to deliver in order (queued per client), not states to coalesce. */
export type EventChannelKind = 'orders' | 'positions';

export type Channel =
  | { readonly kind: 'orderbook' | 'metrics'; readonly symbol: string; readonly name: string }
  | { readonly kind: EventChannelKind; readonly symbol?: string; readonly name: string }
  | { readonly kind: 'signals' | 'bot' | 'backtests'; readonly name: string };

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const SYMBOL = /^[A-Z0-9]{2,25}$/;
const MAX_NAME_LENGTH = 64;
/** Channels named without a symbol: `orders` and `positions` then carry every symbol, the others are global. */
const PLAIN = ['signals', 'bot', 'orders', 'positions', 'backtests'] as const;
const PER_SYMBOL = ['orderbook', 'metrics', 'orders', 'positions'] as const;

function oneOf<T extends string>(names: readonly T[], value: string): value is T {
  return (names as readonly string[]).includes(value);
}

/**
 * `orderbook:{symbol}`, `metrics:{symbol}`, `signals`, `bot`, `orders`, `positions`, `backtests`, and the per-symbol event
 * channels `orders:{symbol}`, `positions:{symbol}` (symbol case-insensitive, one of `symbols`).
 */
export function parseChannel(raw: unknown, symbols: readonly string[]): Parsed<Channel> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NAME_LENGTH) {
    return { ok: false, error: 'unknown channel: channel names are strings such as orderbook:BTCUSDT' };
  }
  if (oneOf(PLAIN, raw)) return { ok: true, value: { kind: raw, name: raw } };
  const colon = raw.indexOf(':');
  const kind = colon < 0 ? raw : raw.slice(0, colon);
  if (oneOf(PER_SYMBOL, kind) && colon > 0) {
    const symbol = raw.slice(colon + 1).toUpperCase();
    if (!SYMBOL.test(symbol) || !symbols.includes(symbol)) {
      return { ok: false, error: `unknown symbol in ${raw}: configured pairs are ${symbols.join(', ')}` };
    }
    return { ok: true, value: { kind, symbol, name: `${kind}:${symbol}` } };
  }
  return {
    ok: false,
    error: `unknown channel ${raw}: expected orderbook:{symbol}, metrics:{symbol}, signals, bot, orders[:{symbol}], positions[:{symbol}] or backtests`,
  };
}

/** The channel names an event about `symbol` is pushed on: the all-symbols channel and the symbol's own. */
export function eventChannels(kind: EventChannelKind, symbol: string): readonly [string, string] {
  return [kind, `${kind}:${symbol}`];
}

export type ClientMessage =
  { readonly op: 'subscribe' | 'unsubscribe'; readonly channels: readonly Channel[] } | { readonly op: 'ping' };

export interface ErrorReply {
  readonly op: string;
  readonly success: false;
  readonly error: string;
}

/** Parses one text frame. Every failure names what was wrong, and the op when one could be read. */
export function parseClientMessage(
  text: string,
  symbols: readonly string[],
): { ok: true; value: ClientMessage } | { ok: false; reply: ErrorReply } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('error', 'message is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail('error', 'message must be a JSON object with an op');
  const { op, channels } = body as { op?: unknown; channels?: unknown };
  if (op === 'ping') return { ok: true, value: { op } };
  if (op !== 'subscribe' && op !== 'unsubscribe') {
    return fail(typeof op === 'string' ? op.slice(0, 32) : 'error', 'op must be subscribe, unsubscribe or ping');
  }
  if (!Array.isArray(channels) || channels.length === 0)
    return fail(op, 'channels must be a non-empty array of channel names');
  const parsed: Channel[] = [];
  for (const raw of channels) {
    const channel = parseChannel(raw, symbols);
    if (!channel.ok) return fail(op, channel.error);
    if (!parsed.some((c) => c.name === channel.value.name)) parsed.push(channel.value);
  }
  return { ok: true, value: { op, channels: parsed } };
}

function fail(op: string, error: string): { ok: false; reply: ErrorReply } {
  return { ok: false, reply: { op, success: false, error } };
}

/**
 * A push frame, serialised once per sample and shared by every subscriber. Event channels (orders, positions) add
 * `seq`: +1 per push on that channel, so a client that sees a gap knows frames were dropped (slow consumer).
 */
export function pushFrame(channel: string, data: unknown, seq?: number): string {
  return JSON.stringify(seq === undefined ? { channel, data } : { channel, seq, data });
}

/**
 * The bearer token of an upgrade request: `?token=`, `Authorization: Bearer <t>`, or
 * `Sec-WebSocket-Protocol: bearer, <t>` (browsers cannot set headers on a WebSocket). Undefined when none.
 */
export function tokenFromUpgrade(
  url: string | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const query = new URL(url ?? '/', 'ws://localhost').searchParams.get('token');
  if (query) return query;
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const protocols = headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    const [scheme, token] = protocols.split(',').map((p) => p.trim());
    if (scheme?.toLowerCase() === 'bearer' && token) return token;
  }
  return undefined;
}

/** The subprotocol the server answers with: `bearer` when offered (never the token itself), else none. */
export function selectProtocol(protocols: ReadonlySet<string>): string | false {
  for (const protocol of protocols) if (protocol.toLowerCase() === 'bearer') return protocol;
  return false;
}
