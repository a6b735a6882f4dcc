import { Logger } from '@nestjs/common';
import { ExchangeError } from '../exchange.errors';
import { PrivateStream } from '../exchange.port';
import type { ExchangeSettings } from '../exchange.settings';
import type { ConnectionState, PrivateStreamEvents, Unsubscribe } from '../exchange.types';
import { ServerClock } from '../server-time';
import { BYBIT_CATEGORY } from './bybit.constants';
import { parseExecution, parseOrder, parsePosition, parseWallet, Raw } from './bybit.parse';
import { BybitWsConnection, PRIVATE_KEY, wsTimings } from './bybit.ws-connection';
import { ConnectionStateTracker } from './connection-state';
import { Listeners } from './listeners';

/** BYBIT.md §7: all-in-one topics (order/execution/position carry every category; we keep linear). */
export const PRIVATE_TOPICS = ['order', 'execution', 'position', 'wallet'] as const;

type Kind = 'order' | 'execution' | 'position' | 'wallet';

const TOPIC_KIND: ReadonlyMap<string, Kind> = new Map<string, Kind>([
  ['order', 'order'],
  ['order.linear', 'order'],
  ['execution', 'execution'],
  ['execution.linear', 'execution'],
  ['execution.fast', 'execution'],
  ['execution.fast.linear', 'execution'],
  ['position', 'position'],
  ['position.linear', 'position'],
  ['wallet', 'wallet'],
]);

/**
 * Private stream over one bybit-api connection: auth on connect (signature with the measured server-time
 * offset), then order/execution/position/wallet. The SDK re-auths and resubscribes after a reconnect; Bybit sends
 * no snapshot on subscribe, so consumers reconcile over REST whenever `connection` reports 'connected' again.
 */
export class BybitPrivateStream extends PrivateStream {
  private readonly logger = new Logger(BybitPrivateStream.name);
  private readonly listeners = new Listeners<PrivateStreamEvents>((event, error) =>
    this.logger.error({ err: error, event }, `private-stream ${String(event)} listener threw`),
  );
  private readonly tracker: ConnectionStateTracker;
  private client: BybitWsConnection | null = null;
  private counters = { messages: 0, parseErrors: 0, reconnects: 0, authFailures: 0 };

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly clock: ServerClock,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.tracker = new ConnectionStateTracker('bybit.private', now, (change) =>
      this.listeners.emit('connection', change),
    );
  }

  on<K extends keyof PrivateStreamEvents>(event: K, listener: (payload: PrivateStreamEvents[K]) => void): Unsubscribe {
    return this.listeners.on(event, listener);
  }

  state(): ConnectionState {
    return this.tracker.state;
  }

  stats(): {
    readonly messages: number;
    readonly parseErrors: number;
    readonly reconnects: number;
    readonly authFailures: number;
  } {
    return { ...this.counters };
  }

  get hasCredentials(): boolean {
    return Boolean(this.settings.apiKey && this.settings.apiSecret);
  }

  async start(): Promise<void> {
    if (this.client) return;
    if (!this.hasCredentials) {
      throw new ExchangeError('NO_CREDENTIALS', 'The private stream needs BYBIT_API_KEY and BYBIT_API_SECRET', {
        fault: 'auth',
      });
    }
    const client = new BybitWsConnection(
      {
        url: this.settings.wsPrivateUrl,
        wsKey: PRIVATE_KEY,
        apiKey: this.settings.apiKey,
        apiSecret: this.settings.apiSecret,
        ...wsTimings(this.settings),
      },
      this.logger,
    );
    this.client = client;
    client.setTimeOffsetMs(this.clock.offsetMs);
    // Connected means authenticated: until then no private topic can flow.
    client.on('open', () => this.tracker.set('connecting', { reason: 'authenticating' }));
    client.on('reconnected', () => this.tracker.set('connecting', { reason: 'authenticating' }));
    client.on('authenticated', () => this.tracker.set('connected'));
    client.on('reconnect', () => {
      this.counters.reconnects += 1;
      client.setTimeOffsetMs(this.clock.offsetMs);
      this.tracker.set('reconnecting', { attempt: client.attempts, reason: 'connection lost' });
    });
    client.on('close', () => this.tracker.set('disconnected', { reason: 'closed' }));
    client.on('exception', (event: unknown) => this.onException(event as Raw));
    client.on('update', (frame: unknown) => this.onMessage(frame as Raw));
    this.tracker.set('connecting');
    void Promise.all(client.subscribeV5([...PRIVATE_TOPICS], BYBIT_CATEGORY)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    client.closeAll(true);
    client.removeAllListeners();
    this.tracker.set('disconnected', { reason: 'stopped' });
  }

  private onMessage(frame: Raw): void {
    const kind = TOPIC_KIND.get(frame.topic as string);
    if (kind === undefined || !Array.isArray(frame.data)) return;
    this.counters.messages += 1;
    for (const raw of frame.data as Raw[]) {
      if (raw.category !== undefined && raw.category !== BYBIT_CATEGORY && kind !== 'wallet') continue;
      try {
        switch (kind) {
          case 'order':
            this.listeners.emit('order', parseOrder(raw));
            break;
          case 'execution':
            this.listeners.emit('execution', parseExecution(raw));
            break;
          case 'position':
            this.listeners.emit('position', parsePosition(raw));
            break;
          case 'wallet':
            this.listeners.emit('wallet', parseWallet(raw));
            break;
        }
      } catch (error) {
        this.counters.parseErrors += 1;
        this.logger.warn({ err: error, topic: frame.topic }, 'unparseable private message');
      }
    }
  }

  private onException(event: Raw): void {
    if (event.op === 'auth' && event.success === false) {
      this.counters.authFailures += 1;
      const reason = String(event.ret_msg ?? event.retMsg ?? 'auth refused');
      this.logger.error({ reason }, 'private stream authentication refused');
      this.tracker.set('auth-failed', { reason });
    }
  }
}
