import { verifyWsAuth } from './v5-signature';

export type StreamKind = 'public' | 'private';

/** Public topics the simulator serves (BYBIT.md §6); kline intervals as Bybit lists them. */
const PUBLIC_TOPIC =
  /^(orderbook\.(1|50|200|500|1000)\.([A-Z0-9]{2,25})|publicTrade\.([A-Z0-9]{2,25})|tickers\.([A-Z0-9]{2,25})|kline\.(1|3|5|15|30|60|120|240|360|720|D|W|M)\.([A-Z0-9]{2,25}))$/;
const PRIVATE_TOPICS = new Set([
  'order',
  'order.linear',
  'execution',
  'execution.linear',
  'execution.fast',
  'execution.fast.linear',
  'position',
  'position.linear',
  'wallet',
]);

export interface SessionReply {
  readonly text: string;
}

export interface SessionEffects {
  readonly replies: readonly string[];
  /** Topics newly subscribed by this message (a public order-book topic then needs its snapshot sent). */
  readonly subscribed: readonly string[];
  readonly unsubscribed: readonly string[];
  /** Close the connection after sending the replies (malformed traffic). */
  readonly close?: boolean;
}

/** The symbol a public topic is about, or undefined for private topics. */
export function symbolOfTopic(topic: string): string | undefined {
  const match = PUBLIC_TOPIC.exec(topic);
  if (!match) return undefined;
  return match[3] ?? match[4] ?? match[5] ?? match[7];
}

/**
 * One WebSocket connection's protocol state, transport-free: parses each client frame (ping, subscribe,
 * unsubscribe, auth) and returns Bybit's replies as compact JSON. `kind` decides which topics are valid: the
 * Bybit paths split public and private; the single-path endpoint (for clients with one wsUrl) accepts both.
 */
export class V5WsSession {
  readonly topics = new Set<string>();
  private authenticatedKey: string | undefined;

  constructor(
    readonly connId: string,
    private readonly kinds: ReadonlySet<StreamKind>,
    private readonly secretOf: (apiKey: string) => string | undefined,
    private readonly knownSymbol: (symbol: string) => boolean,
  ) {}

  get apiKey(): string | undefined {
    return this.authenticatedKey;
  }

  handle(frame: string, nowMs: number): SessionEffects {
    let message: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      message = JSON.parse(frame) as typeof message;
    } catch {
      return {
        replies: [this.reply({ success: false, ret_msg: 'Invalid request: not JSON', op: '' })],
        subscribed: [],
        unsubscribed: [],
      };
    }
    const reqId =
      typeof message.req_id === 'string' || typeof message.req_id === 'number' ? String(message.req_id) : undefined;
    const args = Array.isArray(message.args) ? (message.args as unknown[]) : [];
    switch (message.op) {
      case 'ping':
        return { replies: [this.pong(reqId, nowMs)], subscribed: [], unsubscribed: [] };
      case 'auth':
        return { replies: [this.auth(args, reqId, nowMs)], subscribed: [], unsubscribed: [] };
      case 'subscribe':
        return this.subscribe(args, reqId);
      case 'unsubscribe':
        return this.unsubscribe(args, reqId);
      default:
        return {
          replies: [
            this.reply({
              success: false,
              ret_msg: `Unknown op: ${String(message.op)}`,
              op: String(message.op ?? ''),
              req_id: reqId,
            }),
          ],
          subscribed: [],
          unsubscribed: [],
        };
    }
  }

  private pong(reqId: string | undefined, nowMs: number): string {
    // Public linear pong carries ret_msg "pong"; the private one answers op "pong" with the server time.
    if (this.kinds.has('private') && !this.kinds.has('public')) {
      return this.reply({ req_id: reqId ?? '', op: 'pong', args: [String(nowMs)] });
    }
    return this.reply({ success: true, ret_msg: 'pong', req_id: reqId ?? '', op: 'ping' });
  }

  private auth(args: unknown[], reqId: string | undefined, nowMs: number): string {
    if (!this.kinds.has('private'))
      return this.reply({ success: false, ret_msg: 'Request not authorized', op: 'auth', req_id: reqId });
    const result = verifyWsAuth(args, this.secretOf, nowMs);
    if (!result.ok) return this.reply({ success: false, ret_msg: result.retMsg, op: 'auth', req_id: reqId });
    this.authenticatedKey = result.apiKey;
    return this.reply({ success: true, ret_msg: '', op: 'auth', req_id: reqId });
  }

  private subscribe(args: unknown[], reqId: string | undefined): SessionEffects {
    const topics = args.filter((a): a is string => typeof a === 'string');
    for (const topic of topics) {
      const problem = this.problemWith(topic);
      if (problem)
        return {
          replies: [this.reply({ success: false, ret_msg: problem, op: 'subscribe', req_id: reqId })],
          subscribed: [],
          unsubscribed: [],
        };
    }
    if (topics.length === 0)
      return {
        replies: [
          this.reply({ success: false, ret_msg: 'Invalid request: no topics', op: 'subscribe', req_id: reqId }),
        ],
        subscribed: [],
        unsubscribed: [],
      };
    const fresh = topics.filter((t) => !this.topics.has(t));
    for (const topic of fresh) this.topics.add(topic);
    return {
      replies: [this.reply({ success: true, ret_msg: '', op: 'subscribe', req_id: reqId })],
      subscribed: fresh,
      unsubscribed: [],
    };
  }

  private unsubscribe(args: unknown[], reqId: string | undefined): SessionEffects {
    const topics = args.filter((a): a is string => typeof a === 'string' && this.topics.has(a));
    for (const topic of topics) this.topics.delete(topic);
    return {
      replies: [this.reply({ success: true, ret_msg: '', op: 'unsubscribe', req_id: reqId })],
      subscribed: [],
      unsubscribed: topics,
    };
  }

  private problemWith(topic: string): string | undefined {
    if (PRIVATE_TOPICS.has(topic)) {
      if (!this.kinds.has('private')) return `Invalid topic: ${topic}`;
      if (!this.authenticatedKey) return 'Request not authorized';
      return undefined;
    }
    const symbol = symbolOfTopic(topic);
    if (symbol === undefined || !this.kinds.has('public')) return `Invalid topic: ${topic}`;
    if (!this.knownSymbol(symbol)) return `Invalid symbol: ${topic}`;
    return undefined;
  }

  private reply(body: Record<string, unknown>): string {
    return JSON.stringify({ ...body, conn_id: this.connId });
  }
}
