import { Logger } from '@nestjs/common';
import { MarketStream } from '../exchange.port';
import type { ExchangeSettings } from '../exchange.settings';
import type { ConnectionState, MarketStreamEvents, TickerMessage, Unsubscribe } from '../exchange.types';
import { BYBIT_CATEGORY } from './bybit.constants';
import { mergeTicker, parseBookMessage, parseCandles, parseTradesMessage, Raw } from './bybit.parse';
import { BybitWsConnection, PUBLIC_LINEAR_KEY, wsTimings } from './bybit.ws-connection';
import { ConnectionStateTracker } from './connection-state';
import { Listeners } from './listeners';

type Route =
  | { readonly kind: 'book'; readonly symbol: string; readonly depth: number }
  | { readonly kind: 'trades'; readonly symbol: string }
  | { readonly kind: 'candle'; readonly symbol: string }
  | { readonly kind: 'ticker'; readonly symbol: string };

export function bookTopic(depth: number, symbol: string): string {
  return `orderbook.${depth}.${symbol}`;
}

/** Public topics per symbol (BYBIT.md §6): book at the configured depth, trades, 1-minute candles, ticker. */
export function publicTopics(symbols: readonly string[], depth: number): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const symbol of symbols) {
    routes.set(bookTopic(depth, symbol), { kind: 'book', symbol, depth });
    routes.set(`publicTrade.${symbol}`, { kind: 'trades', symbol });
    routes.set(`kline.1.${symbol}`, { kind: 'candle', symbol });
    routes.set(`tickers.${symbol}`, { kind: 'ticker', symbol });
  }
  return routes;
}

/**
 * Public linear stream over one bybit-api connection. Frames are routed by a topic lookup (no string splitting),
 * order-book levels are handed out as received (no copies), and nothing is logged per frame. Checking `u` for gaps
 * is the order book's job; it calls resubscribeBook() to get a fresh snapshot.
 */
export class BybitMarketStream extends MarketStream {
  private readonly logger = new Logger(BybitMarketStream.name);
  private readonly listeners = new Listeners<MarketStreamEvents>((event, error) =>
    this.logger.error({ err: error, event }, `market-stream ${String(event)} listener threw`),
  );
  private readonly routes: Map<string, Route>;
  private readonly tickers = new Map<string, TickerMessage>();
  private readonly tracker: ConnectionStateTracker;
  private client: BybitWsConnection | null = null;
  private counters = { frames: 0, parseErrors: 0, reconnects: 0 };

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.routes = publicTopics(settings.symbols, settings.orderbookDepth);
    this.tracker = new ConnectionStateTracker('bybit.public', now, (change) =>
      this.listeners.emit('connection', change),
    );
  }

  on<K extends keyof MarketStreamEvents>(event: K, listener: (payload: MarketStreamEvents[K]) => void): Unsubscribe {
    return this.listeners.on(event, listener);
  }

  state(): ConnectionState {
    return this.tracker.state;
  }

  stats(): { readonly frames: number; readonly parseErrors: number; readonly reconnects: number } {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (this.client) return;
    const client = new BybitWsConnection(
      {
        url: this.settings.wsPublicUrl,
        wsKey: PUBLIC_LINEAR_KEY,
        ...wsTimings(this.settings),
      },
      this.logger,
    );
    this.client = client;
    client.on('open', () => this.tracker.set('connected'));
    client.on('reconnected', () => this.tracker.set('connected'));
    client.on('reconnect', () => {
      this.counters.reconnects += 1;
      this.tracker.set('reconnecting', { attempt: client.attempts, reason: 'connection lost' });
    });
    client.on('close', () => this.tracker.set('disconnected', { reason: 'closed' }));
    client.on('exception', (event: unknown) => this.onException(event as Raw));
    client.on('update', (frame: unknown) => this.onFrame(frame as Raw));
    this.tracker.set('connecting');
    // Subscribing opens the connection; the SDK resubscribes these topics after every reconnect.
    void Promise.all(client.subscribeV5([...this.routes.keys()], BYBIT_CATEGORY)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    client.closeAll(true);
    client.removeAllListeners();
    this.tracker.set('disconnected', { reason: 'stopped' });
  }

  async resubscribeBook(symbol: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    const topic = bookTopic(this.settings.orderbookDepth, symbol);
    await Promise.all(client.unsubscribeV5(topic, BYBIT_CATEGORY)).catch(() => undefined);
    await Promise.all(client.subscribeV5(topic, BYBIT_CATEGORY)).catch(() => undefined);
  }

  /** The hot path: one Map lookup, one parse, one synchronous listener call. */
  private onFrame(frame: Raw): void {
    const route = this.routes.get(frame.topic as string);
    if (route === undefined) return;
    this.counters.frames += 1;
    const receivedAt = this.now();
    try {
      switch (route.kind) {
        case 'book':
          this.listeners.emit('book', parseBookMessage(frame, route.depth, receivedAt));
          return;
        case 'trades':
          this.listeners.emit('trades', parseTradesMessage(frame, receivedAt));
          return;
        case 'candle':
          for (const candle of parseCandles(frame, route.symbol, receivedAt)) this.listeners.emit('candle', candle);
          return;
        case 'ticker': {
          const merged = mergeTicker(this.tickers.get(route.symbol), frame, receivedAt);
          this.tickers.set(route.symbol, merged);
          this.listeners.emit('ticker', merged);
          return;
        }
      }
    } catch (error) {
      this.counters.parseErrors += 1;
      if (this.counters.parseErrors % 1000 === 1)
        this.logger.warn({ err: error, topic: frame.topic }, 'unparseable market frame');
    }
  }

  private onException(event: Raw): void {
    if (event.op === 'subscribe' && event.success === false) {
      const reason = typeof event.ret_msg === 'string' ? event.ret_msg : 'subscribe refused';
      const topics = typeof event.req_id === 'string' ? event.req_id.split(',') : [];
      this.logger.warn({ reason, topics }, 'public subscription refused');
      this.listeners.emit('subscriptionFailed', { topics, reason });
    }
  }
}
