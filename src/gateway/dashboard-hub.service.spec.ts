import { WebSocket } from 'ws';
import type { AuthPrincipal } from '../auth/auth.service';
import type { BotLifecycleService } from '../bot/bot-lifecycle.service';
import { FixedClock } from '../common/clock';
import { EventBus } from '../infra/events/event-bus';
import type { OrderBookService } from '../order-book/order-book.service';
import { DashboardClient } from './dashboard-client';
import { DashboardHub } from './dashboard-hub.service';
import { DEFAULT_GATEWAY_SETTINGS, GatewaySettings } from './gateway.settings';
import { aFill, anOrderView, aPositionView } from '../../test/factories/execution-views.factory';

/** Real: DashboardHub, EventBus, the protocol. Fake: sockets (bufferedAmount under test control), the book source. */
class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  on() {}
  send(frame: string) {
    this.sent.push(frame);
  }
  closed?: { code: number; reason: string };
  ping() {}
  terminate() {}
  removeAllListeners() {}
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.readyState = WebSocket.CLOSING;
  }
  pushes(channel: string) {
    return this.sent.map((f) => JSON.parse(f)).filter((f) => f.channel === channel);
  }
}

/** Claims of a token that stays valid through every test (expiry in 2096). */
const OPERATOR: AuthPrincipal = Object.freeze({ sub: 'operator', pwv: 1, iat: 1, exp: 4_000_000_000 });

function setup(overrides: Partial<GatewaySettings> = {}) {
  const settings = { ...DEFAULT_GATEWAY_SETTINGS, ...overrides };
  let u = 1;
  const book = {
    get u() {
      return u;
    },
  };
  const orderBooks = {
    symbols: () => ['BTCUSDT'],
    book: () => book,
    view: () => ({
      symbol: 'BTCUSDT',
      bids: [],
      asks: [],
      u,
      seq: u,
      exchangeTs: 0,
      lastUpdateMs: 0,
      synced: true,
      crossed: false,
      stale: false,
    }),
  } as unknown as OrderBookService;
  const bot = {
    status: () => ({
      state: 'stopped',
      running: false,
      since: new Date(0),
      mode: 'sim',
      symbols: [],
      participants: {},
      connections: {},
      counters: {},
    }),
  } as unknown as BotLifecycleService;
  const clock = new FixedClock(1_000);
  const bus = new EventBus();
  const hub = new DashboardHub(orderBooks, bot, bus, clock, settings);
  const tick = () => {
    u += 1;
    clock.advance(DEFAULT_GATEWAY_SETTINGS.tickMs);
    (hub as unknown as { tick(): void }).tick();
  };
  const send = (client: DashboardClient, body: object) => hub.receive(client, Buffer.from(JSON.stringify(body)), false);
  const subscribe = (socket: FakeSocket, channels: string[]) => {
    const client = hub.connect(socket as unknown as WebSocket, OPERATOR);
    send(client, { op: 'subscribe', channels });
    return client;
  };
  const connect = (socket: FakeSocket, principal: AuthPrincipal = OPERATOR) =>
    hub.connect(socket as unknown as WebSocket, principal);
  return { hub, bus, clock, tick, send, subscribe, connect };
}

describe('DashboardHub', () => {
  it('should keep only the newest frame for a slow consumer, count the drops, and resume when it drains', () => {
    const { hub, tick, subscribe } = setup();
    const fast = new FakeSocket();
    const slow = new FakeSocket();
    subscribe(fast, ['orderbook:BTCUSDT']);
    const slowClient = subscribe(slow, ['orderbook:BTCUSDT']);
    slow.bufferedAmount = DEFAULT_GATEWAY_SETTINGS.maxBufferedBytes + 1;
    for (let i = 0; i < 50; i++) tick();

    expect(fast.pushes('orderbook:BTCUSDT')).toHaveLength(51);
    expect(slow.pushes('orderbook:BTCUSDT')).toHaveLength(1); // the snapshot at subscribe
    expect(slowClient.pending.size).toBe(1);
    expect(slowClient.dropped).toBe(49);

    slow.bufferedAmount = 0;
    tick();
    const pushes = slow.pushes('orderbook:BTCUSDT');
    expect(pushes).toHaveLength(2);
    expect(pushes[1].data.u).toBe(52); // the newest, not the oldest
    expect(hub.stats()).toMatchObject({ clients: 2, subscriptions: { 'orderbook:BTCUSDT': 2 }, dropped: 50 }); // 49 + the one replaced on the last tick
  });

  it('should not sample a channel nobody subscribed, and forget subscribers on disconnect', () => {
    const { hub, tick, subscribe } = setup();
    const socket = new FakeSocket();
    subscribe(socket, ['signals']);
    tick();
    expect(socket.sent.filter((f) => f.includes('orderbook'))).toEqual([]);
    hub.disconnect(socket as unknown as WebSocket);
    expect(hub.clients()).toBe(0);
    expect(hub.stats().subscriptions).toEqual({});
  });

  describe('replies and tokens', () => {
    it('should queue replies behind the byte cap, keep one pong, and cut off a client that never reads them', () => {
      const { hub, send, connect } = setup({ maxQueuedReplies: 4 });
      const socket = new FakeSocket();
      const client = connect(socket);
      send(client, { op: 'ping' });
      expect(socket.sent.map((f) => JSON.parse(f).op)).toEqual(['pong']);

      socket.bufferedAmount = DEFAULT_GATEWAY_SETTINGS.maxBufferedBytes + 1;
      for (let i = 0; i < 100; i++) send(client, { op: 'ping' });
      expect(socket.sent).toHaveLength(1);
      expect(client.replies).toHaveLength(1); // a hundred pings, one pong waiting
      for (let i = 0; i < 3; i++) send(client, { op: 'nonsense' });
      expect(client.replies).toHaveLength(4);
      expect(socket.closed).toBeUndefined();

      send(client, { op: 'nonsense' });
      expect(socket.closed).toEqual({ code: 4429, reason: 'Replies not read' });
      expect(hub.clients()).toBe(0);
      expect(hub.stats().closed.replies_unread).toBe(1);
      expect(socket.sent).toHaveLength(1);
    });

    it('should send queued replies first once the socket drains', () => {
      const { send, connect, tick } = setup();
      const socket = new FakeSocket();
      const client = connect(socket);
      socket.bufferedAmount = DEFAULT_GATEWAY_SETTINGS.maxBufferedBytes + 1;
      send(client, { op: 'subscribe', channels: ['orderbook:BTCUSDT'] });
      expect(socket.sent).toEqual([]);
      socket.bufferedAmount = 0;
      tick();
      expect(JSON.parse(socket.sent[0])).toMatchObject({ op: 'subscribe', success: true });
      expect(JSON.parse(socket.sent[1])).toMatchObject({ channel: 'orderbook:BTCUSDT' });
    });

    it('should close a connection with 4401 when its token expires', () => {
      const { hub, clock, tick, connect } = setup();
      const expiresAtS = Math.floor(clock.nowMs() / 1000) + 2;
      const socket = new FakeSocket();
      connect(socket, { ...OPERATOR, exp: expiresAtS });
      const other = new FakeSocket();
      connect(other);
      while (clock.nowMs() < expiresAtS * 1000 - DEFAULT_GATEWAY_SETTINGS.tickMs) tick();
      expect(socket.closed).toBeUndefined();
      tick();
      expect(socket.closed).toEqual({ code: 4401, reason: 'Token expired' });
      expect(other.closed).toBeUndefined();
      expect(hub.stats().closed.token_expired).toBe(1);
    });

    it('should close, at once, the connections of tokens issued before a password change', async () => {
      const { hub, bus, connect } = setup();
      hub.onModuleInit();
      const old = new FakeSocket();
      connect(old, { ...OPERATOR, pwv: 1 });
      const fresh = new FakeSocket();
      connect(fresh, { ...OPERATOR, pwv: 2 });
      bus.publish('auth.password-changed', { actor: 'operator', passwordVersion: 2 });
      await bus.drain();
      expect(old.closed).toEqual({ code: 4401, reason: 'Token revoked' });
      expect(fresh.closed).toBeUndefined();
      expect(hub.clients()).toBe(1);
      hub.onModuleDestroy();
    });
  });

  describe('orders and positions', () => {
    // The hub's event subscriptions are real (onModuleInit); its timer never fires inside these synchronous tests.
    let ctx: ReturnType<typeof setup>;
    const start = (overrides: Partial<GatewaySettings> = {}) => {
      ctx = setup(overrides);
      ctx.hub.onModuleInit();
      return ctx;
    };
    afterEach(() => ctx.hub.onModuleDestroy());

    const placeOrder = (bus: EventBus, n: number, symbol = 'BTCUSDT') =>
      bus.publish('order.created', {
        traceId: `sig-${n}`,
        actor: 'bot',
        order: anOrderView({ id: `order-${n}`, symbol }),
        reason: 'imbalance',
      });

    it('should push every event in publication order, on the all-symbols and the symbol channel, each with its own seq', async () => {
      const { bus, subscribe } = start();
      const all = new FakeSocket();
      const btc = new FakeSocket();
      subscribe(all, ['orders', 'positions']);
      subscribe(btc, ['orders:BTCUSDT']);

      placeOrder(bus, 1, 'ETHUSDT');
      bus.publish('order.filled', {
        traceId: 'sig-2',
        actor: 'exchange',
        order: anOrderView({ id: 'order-2', status: 'Filled' }),
        fill: aFill(),
      });
      bus.publish('position.opened', { traceId: 'sig-2', actor: 'exchange', position: aPositionView() });
      await bus.drain();

      expect(
        all.sent
          .map((f) => JSON.parse(f))
          .filter((f) => f.channel)
          .map((f) => [f.channel, f.seq, f.data.event, f.data.traceId]),
      ).toEqual([
        ['orders', 1, 'created', 'sig-1'],
        ['orders', 2, 'filled', 'sig-2'],
        ['positions', 1, 'opened', 'sig-2'],
      ]);
      expect(btc.pushes('orders:BTCUSDT').map((f) => [f.seq, f.data.order.id])).toEqual([[1, 'order-2']]); // not the ETHUSDT order
    });

    it('should keep at most maxQueuedEvents for a slow consumer, drop the oldest, count them, and show the gap in seq', async () => {
      const { hub, bus, tick, subscribe } = start({ maxQueuedEvents: 3 });
      const slow = new FakeSocket();
      const client = subscribe(slow, ['orders']);
      slow.bufferedAmount = DEFAULT_GATEWAY_SETTINGS.maxBufferedBytes + 1;

      for (let n = 1; n <= 50; n++) placeOrder(bus, n);
      await bus.drain();

      expect(slow.pushes('orders')).toEqual([]);
      expect(client.events.size).toBe(3);
      expect(hub.stats()).toMatchObject({ dropped: 47, droppedEvents: 47 });

      slow.bufferedAmount = 0;
      tick();
      expect(slow.pushes('orders').map((f) => [f.seq, f.data.order.id])).toEqual([
        [48, 'order-48'],
        [49, 'order-49'],
        [50, 'order-50'],
      ]);
      expect(client.events.size).toBe(0);
    });

    it('should stop pushing, and forget what was queued, after unsubscribe', async () => {
      const { hub, bus, tick, send, subscribe } = start();
      const socket = new FakeSocket();
      const client = subscribe(socket, ['orders', 'positions']);
      socket.bufferedAmount = DEFAULT_GATEWAY_SETTINGS.maxBufferedBytes + 1;
      placeOrder(bus, 1);
      bus.publish('position.closed', {
        traceId: 'sig-1',
        actor: 'exchange',
        position: aPositionView({ status: 'Closed' }),
      });
      await bus.drain();

      send(client, { op: 'unsubscribe', channels: ['orders'] });
      socket.bufferedAmount = 0;
      placeOrder(bus, 2);
      await bus.drain();
      tick();

      expect(socket.pushes('orders')).toEqual([]);
      expect(socket.pushes('positions').map((f) => f.data.event)).toEqual(['closed']);
      expect(hub.stats().subscriptions).toEqual({ positions: 1 });
    });
  });
});
