import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { HealthIndicatorResult } from '@nestjs/terminus';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import type { AuthPrincipal } from '../auth/auth.service';
import { BotLifecycleService } from '../bot/bot-lifecycle.service';
import { BotStatusResponseDto } from '../bot/dto/bot-status-response.dto';
import { Clock } from '../common/clock';
import { ReadinessRegistry } from '../health/readiness-registry';
import { EventBus } from '../infra/events/event-bus';
import { toMetricsResponse, toOrderBookResponse } from '../order-book/order-book.mapper';
import { OrderBookService } from '../order-book/order-book.service';
import { OrderBookError } from '../order-book/order-book.errors';
import type { Signal } from '../strategy/domain/signal';
import '../strategy/strategy.events';
import '../backtest/backtest.events';
import { BacktestRunDto } from '../backtest/dto/backtest-run.dto';
import { cutOff } from './cut-off';
import { DashboardClient } from './dashboard-client';
import { ORDER_PUSHES, OrderEventName, POSITION_PUSHES, PositionEventName, toSignalPush } from './dashboard.mapper';
import { GATEWAY_SETTINGS, GatewaySettings } from './gateway.settings';
import { WS_CLOSE_RATE_LIMITED, WS_CLOSE_UNAUTHENTICATED } from './ws-errors';
import { Channel, EventChannelKind, eventChannels, parseClientMessage, pushFrame } from './ws-protocol';

export interface GatewayStats {
  readonly clients: number;
  readonly subscriptions: Readonly<Record<string, number>>;
  readonly sent: number;
  /** Frames never sent: replaced by a newer state, or evicted from a full event queue. */
  readonly dropped: number;
  /** Of `dropped`: orders/positions events lost by a slow consumer. */
  readonly droppedEvents: number;
  /** Connections ended by the gateway, by cause (since start). */
  readonly closed: Readonly<Record<ClosedCause, number>>;
}

/** Why the gateway ended a connection: see the close codes in ws-errors.ts. */
export type ClosedCause =
  'rate_limited' | 'replies_unread' | 'too_many_connections' | 'token_expired' | 'token_revoked';

interface Sample {
  frame: string;
  u: number;
}

/**
 * Everything behind /ws except the handshake: subscriptions, sampling, throttled and coalesced pushes, stats.
 *
 * - orderbook/metrics: sampled from OrderBookService on a timer (never per frame), only for channels somebody
 *   subscribed, only when the book's `u` moved; one JSON string per sample shared by all subscribers.
 * - signals: pushed as the `signal.generated` event arrives; bot: on bot.started/stopped and periodically.
 * - orders / positions (and their per-symbol variants): pushed as execution's order.* / position.* events arrive,
 *   with a per-channel `seq`; no snapshot at subscribe (GET /trading/positions is the current state).
 * - a client whose socket buffers more than maxBufferedBytes gets nothing until it drains. Meanwhile, per state
 *   channel only the newest unsent frame is kept (replaced frames count as drops), and event frames wait in one FIFO
 *   per client of at most maxQueuedEvents, evicting the oldest (a drop, and a `seq` gap the client can see).
 *   Events are not coalesced per order: a dashboard wants every fill, and a gap tells it to re-read over REST.
 *   Nothing grows unbounded.
 */
@Injectable()
export class DashboardHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DashboardHub.name);
  private readonly clientsBySocket = new Map<WebSocket, DashboardClient>();
  /** channel → number of subscribed clients; a channel absent here is never sampled. */
  private readonly subscribers = new Map<string, number>();
  private readonly lastSample = new Map<string, Sample>();
  /** Event channel → last `seq` pushed on it (only channels that had subscribers; a handful of names). */
  private readonly eventSeq = new Map<string, number>();
  private readonly unsubscribes: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private nextId = 1;
  private lastOrderbookMs = -Infinity;
  private lastMetricsMs = -Infinity;
  private lastBotMs = -Infinity;
  private lastHeartbeatMs: number;
  private totalSent = 0;
  private totalDropped = 0;
  private totalDroppedEvents = 0;
  private readonly closed: Record<ClosedCause, number> = {
    rate_limited: 0,
    replies_unread: 0,
    too_many_connections: 0,
    token_expired: 0,
    token_revoked: 0,
  };

  constructor(
    private readonly orderBooks: OrderBookService,
    private readonly bot: BotLifecycleService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {
    this.lastHeartbeatMs = clock.nowMs();
  }

  onModuleInit(): void {
    this.unsubscribes.push(
      this.events.on('signal.generated', ({ signal }) => this.onSignal(signal)),
      this.events.on('bot.started', () => this.broadcast('bot', this.botFrame())),
      this.events.on('bot.stopped', () => this.broadcast('bot', this.botFrame())),
      this.events.on('backtest.updated', ({ event, run, progress }) =>
        this.pushBacktest({ event, run: BacktestRunDto.from(run, progress) }),
      ),
      ...(Object.keys(ORDER_PUSHES) as OrderEventName[]).map((name) => this.onOrderEvent(name)),
      ...(Object.keys(POSITION_PUSHES) as PositionEventName[]).map((name) => this.onPositionEvent(name)),
      // Tokens issued before a password change are revoked: their sockets end now, not at the next reconnect.
      this.events.on('auth.password-changed', ({ passwordVersion }) =>
        this.closeWhere((c) => c.principal.pwv < passwordVersion, 'token_revoked', 'Token revoked'),
      ),
    );
    this.timer = setInterval(() => this.tick(), this.settings.tickMs);
    this.timer.unref();
    this.readiness?.register('wsClients', () => this.readinessCheck());
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** Number of authenticated clients connected now. */
  clients(): number {
    return this.clientsBySocket.size;
  }

  stats(): GatewayStats {
    let sent = this.totalSent;
    let dropped = this.totalDropped;
    let droppedEvents = this.totalDroppedEvents;
    for (const client of this.clientsBySocket.values()) {
      sent += client.sent;
      dropped += client.dropped;
      droppedEvents += client.droppedEvents;
    }
    return {
      clients: this.clientsBySocket.size,
      subscriptions: Object.fromEntries(this.subscribers),
      sent,
      dropped,
      droppedEvents,
      closed: { ...this.closed },
    };
  }

  /** The authenticated clients connected now (for the gateway's token checks). */
  connected(): IterableIterator<DashboardClient> {
    return this.clientsBySocket.values();
  }

  /** Authenticated connections of `subject` now. */
  connectionsOf(subject: string): number {
    let count = 0;
    for (const client of this.clientsBySocket.values()) if (client.subject === subject) count += 1;
    return count;
  }

  /**
   * Ends a connection the gateway refuses to serve (rate limit, too many connections, a token no longer valid),
   * counted by cause. Works for sockets that never became clients too.
   */
  close(socket: WebSocket, cause: ClosedCause, reason: string): void {
    this.closed[cause] += 1;
    const code =
      cause === 'token_expired' || cause === 'token_revoked' ? WS_CLOSE_UNAUTHENTICATED : WS_CLOSE_RATE_LIMITED;
    cutOff(socket, code, reason);
  }

  closeWhere(predicate: (client: DashboardClient) => boolean, cause: ClosedCause, reason: string): void {
    let doomed: DashboardClient[] | undefined;
    for (const client of this.clientsBySocket.values()) if (predicate(client)) (doomed ??= []).push(client);
    for (const client of doomed ?? []) {
      this.disconnect(client.socket); // nothing more is queued or sent to it, even before the close completes
      this.close(client.socket, cause, reason);
    }
  }

  /** Registers an authenticated socket. */
  connect(socket: WebSocket, principal: AuthPrincipal): DashboardClient {
    const client = new DashboardClient(
      this.nextId++,
      socket,
      principal,
      this.clock.nowMs(),
      this.settings.maxQueuedEvents,
    );
    socket.on('pong', () => {
      client.alive = true;
    });
    this.clientsBySocket.set(socket, client);
    this.logger.log({ client: client.id, clients: this.clientsBySocket.size }, 'ws client connected');
    return client;
  }

  disconnect(socket: WebSocket): void {
    const client = this.clientsBySocket.get(socket);
    if (!client) return;
    this.clientsBySocket.delete(socket);
    for (const channel of client.subscriptions) this.release(channel);
    this.totalSent += client.sent;
    this.totalDropped += client.dropped;
    this.totalDroppedEvents += client.droppedEvents;
    const { id, sent, dropped, droppedEvents } = client;
    this.logger.log(
      { client: id, clients: this.clientsBySocket.size, sent, dropped, droppedEvents },
      'ws client disconnected',
    );
  }

  /** One text frame from a client: parse, apply, reply. Binary frames are refused. */
  receive(client: DashboardClient, data: RawData, isBinary: boolean): void {
    if (isBinary) return this.reply(client, { op: 'error', success: false, error: 'binary frames are not supported' });
    const parsed = parseClientMessage(rawToString(data), this.orderBooks.symbols());
    if (!parsed.ok) return this.reply(client, parsed.reply);
    const message = parsed.value;
    switch (message.op) {
      case 'ping':
        return this.reply(client, { op: 'pong', ts: this.clock.nowMs() });
      case 'subscribe':
        return this.subscribe(client, message.channels);
      case 'unsubscribe':
        return this.unsubscribe(client, message.channels);
    }
  }

  private subscribe(client: DashboardClient, channels: readonly Channel[]): void {
    const added = channels.filter((c) => !client.subscriptions.has(c.name));
    if (client.subscriptions.size + added.length > this.settings.maxSubscriptions) {
      return this.reply(client, {
        op: 'subscribe',
        success: false,
        error: `at most ${this.settings.maxSubscriptions} subscriptions per connection`,
      });
    }
    for (const channel of added) {
      client.subscriptions.add(channel.name);
      this.subscribers.set(channel.name, (this.subscribers.get(channel.name) ?? 0) + 1);
    }
    this.reply(client, { op: 'subscribe', success: true, channels: channels.map((c) => c.name) });
    // A new subscriber gets the current state at once rather than waiting for the next change.
    for (const channel of added) {
      const frame = this.currentFrame(channel);
      if (frame) client.offer(channel.name, frame);
    }
    this.flush(client);
  }

  private unsubscribe(client: DashboardClient, channels: readonly Channel[]): void {
    for (const channel of channels) {
      if (!client.subscriptions.delete(channel.name)) continue;
      client.discard(channel.name);
      this.release(channel.name);
    }
    this.reply(client, { op: 'unsubscribe', success: true, channels: channels.map((c) => c.name) });
  }

  private release(channel: string): void {
    const count = (this.subscribers.get(channel) ?? 1) - 1;
    if (count > 0) this.subscribers.set(channel, count);
    else {
      this.subscribers.delete(channel);
      this.lastSample.delete(channel);
    }
  }

  private currentFrame(channel: Channel): string | undefined {
    switch (channel.kind) {
      case 'orderbook':
      case 'metrics':
        return this.sample(channel.name, channel.kind, channel.symbol, true);
      case 'bot':
        return this.botFrame();
      case 'signals':
      case 'backtests':
      case 'orders':
      case 'positions':
        return undefined; // events, not states: nothing to replay
    }
  }

  /** The timer: sample what is due and subscribed, then flush every client's pending frames. */
  private tick(): void {
    const now = this.clock.nowMs();
    try {
      const orderbookDue = now - this.lastOrderbookMs >= this.settings.orderbookIntervalMs;
      const metricsDue = now - this.lastMetricsMs >= this.settings.metricsIntervalMs;
      if (orderbookDue) this.lastOrderbookMs = now;
      if (metricsDue) this.lastMetricsMs = now;
      for (const channel of this.subscribers.keys()) {
        const colon = channel.indexOf(':');
        if (colon < 0) continue;
        const kind = channel.slice(0, colon);
        if ((kind === 'orderbook' && orderbookDue) || (kind === 'metrics' && metricsDue)) {
          const frame = this.sample(channel, kind, channel.slice(colon + 1), false);
          if (frame) this.offerAll(channel, frame);
        }
      }
      if (now - this.lastBotMs >= this.settings.botStatusIntervalMs) {
        this.lastBotMs = now;
        if (this.subscribers.has('bot')) this.offerAll('bot', this.botFrame());
      }
      // exp is in whole seconds: a token is valid up to, not including, that second.
      this.closeWhere((c) => c.principal.exp * 1000 <= now, 'token_expired', 'Token expired');
      if (now - this.lastHeartbeatMs >= this.settings.heartbeatIntervalMs) {
        this.lastHeartbeatMs = now;
        this.heartbeat();
      }
      for (const client of this.clientsBySocket.values()) this.flush(client);
    } catch (error) {
      this.logger.error({ err: error }, 'ws push tick failed');
    }
  }

  /**
   * A fresh frame for an orderbook/metrics channel, or undefined when the book has not moved since the last sample
   * (unless `force`) or is not there yet.
   */
  private sample(channel: string, kind: 'orderbook' | 'metrics', symbol: string, force: boolean): string | undefined {
    try {
      const book = this.orderBooks.book(symbol);
      const previous = this.lastSample.get(channel);
      if (!book) return undefined;
      if (previous && previous.u === book.u) return force ? previous.frame : undefined;
      const data =
        kind === 'orderbook'
          ? toOrderBookResponse(this.orderBooks.view(symbol, this.settings.orderbookDepth))
          : toMetricsResponse(symbol, this.orderBooks.metrics(symbol));
      const frame = pushFrame(channel, data);
      this.lastSample.set(channel, { frame, u: data.u });
      return frame;
    } catch (error) {
      if (error instanceof OrderBookError) return undefined; // not ready yet: the next tick tries again
      throw error;
    }
  }

  private botFrame(): string {
    return pushFrame('bot', BotStatusResponseDto.from(this.bot.status()));
  }

  private onSignal(signal: Signal): void {
    if (this.subscribers.has('signals'))
      this.broadcast(
        'signals',
        pushFrame('signals', toSignalPush(signal, this.orderBooks.book(signal.symbol)?.grid.tickSize)),
      );
  }

  private onOrderEvent<K extends OrderEventName>(name: K): () => void {
    return this.events.on(name, (event) =>
      this.pushEvent('orders', event.order.symbol, ORDER_PUSHES[name](event, this.clock.nowMs())),
    );
  }

  private onPositionEvent<K extends PositionEventName>(name: K): () => void {
    return this.events.on(name, (event) =>
      this.pushEvent('positions', event.position.symbol, POSITION_PUSHES[name](event, this.clock.nowMs())),
    );
  }

  /** A backtest started, progressed or finished: events in order with the channel's `seq`, like orders. */
  private pushBacktest(data: object): void {
    if (!this.subscribers.has('backtests')) return;
    const seq = (this.eventSeq.get('backtests') ?? 0) + 1;
    this.eventSeq.set('backtests', seq);
    this.broadcast('backtests', pushFrame('backtests', data, seq), 'queue');
  }

  /** One event on `kind` and `kind:{symbol}`: one frame per channel that has subscribers, with that channel's next seq. */
  private pushEvent(kind: EventChannelKind, symbol: string, data: object): void {
    for (const channel of eventChannels(kind, symbol)) {
      if (!this.subscribers.has(channel)) continue;
      const seq = (this.eventSeq.get(channel) ?? 0) + 1;
      this.eventSeq.set(channel, seq);
      this.broadcast(channel, pushFrame(channel, data, seq), 'queue');
    }
  }

  /**
   * Event-driven channels: hand the frame to every subscriber and send now to those that are not behind.
   * `latest` keeps only the newest unsent frame per channel (states); `queue` keeps them all, bounded (events).
   */
  private broadcast(channel: string, frame: string, mode: 'latest' | 'queue' = 'latest'): void {
    for (const client of this.clientsBySocket.values()) {
      if (!client.subscriptions.has(channel)) continue;
      if (mode === 'latest') client.offer(channel, frame);
      else if (client.enqueue(channel, frame) && client.droppedEvents === 1) {
        this.logger.warn(
          { client: client.id, channel, queued: client.events.size },
          'ws slow consumer: dropping the oldest event frames',
        );
      }
      this.flush(client);
    }
  }

  private offerAll(channel: string, frame: string): void {
    for (const client of this.clientsBySocket.values())
      if (client.subscriptions.has(channel)) client.offer(channel, frame);
  }

  /**
   * Sends the client's queued events (oldest first), then its pending states, unless its socket is backed up
   * (slow consumer: wait until it drains).
   */
  private flush(client: DashboardClient): void {
    if (
      (client.pending.size === 0 && client.events.size === 0 && client.replies.length === 0) ||
      client.socket.readyState !== WebSocket.OPEN
    )
      return;
    while (client.replies.length > 0) {
      if (client.socket.bufferedAmount > this.settings.maxBufferedBytes) return;
      client.socket.send(client.replies.shift() as string);
      if (client.replies.length === 0) client.lastReplyIsPong = false;
    }
    for (let queued = client.events.peek(); queued; queued = client.events.peek()) {
      if (client.socket.bufferedAmount > this.settings.maxBufferedBytes) return;
      client.events.shift();
      this.send(client, queued.frame);
    }
    for (const [channel, frame] of client.pending) {
      if (client.socket.bufferedAmount > this.settings.maxBufferedBytes) return;
      client.pending.delete(channel);
      this.send(client, frame);
    }
  }

  private send(client: DashboardClient, frame: string): void {
    client.socket.send(frame);
    client.sent += 1;
  }

  /**
   * Replies go through the same byte cap as pushes: sent at once while the socket drains, else queued, at most
   * maxQueuedReplies of them (a newer pong replaces a queued one). A client that keeps asking without reading its
   * replies is cut off (4429): its requests must not turn into server memory.
   */
  private reply<T extends { readonly op: string }>(client: DashboardClient, body: T): void {
    if (client.socket.readyState !== WebSocket.OPEN || !this.clientsBySocket.has(client.socket)) return;
    const frame = JSON.stringify(body);
    const pong = body.op === 'pong';
    if (pong && client.lastReplyIsPong) client.replies[client.replies.length - 1] = frame;
    else client.replies.push(frame);
    client.lastReplyIsPong = pong;
    if (client.replies.length > this.settings.maxQueuedReplies) {
      this.logger.warn({ client: client.id, queued: client.replies.length }, 'ws client does not read its replies');
      this.closeWhere((c) => c === client, 'replies_unread', 'Replies not read');
      return;
    }
    this.flush(client);
  }

  /** Transport ping; a client that did not answer the previous one is gone (half-open TCP) and is terminated. */
  private heartbeat(): void {
    for (const client of this.clientsBySocket.values()) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private readinessCheck(): HealthIndicatorResult {
    const { clients, subscriptions, sent, dropped, droppedEvents, closed } = this.stats();
    return {
      wsClients: { status: 'up', clients, subscriptions, sent, dropped, droppedEvents, closed },
    };
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
