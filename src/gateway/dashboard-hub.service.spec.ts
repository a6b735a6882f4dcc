import { WebSocket } from 'ws';
import type { BotLifecycleService } from '../bot/bot-lifecycle.service';
import { FixedClock } from '../common/clock';
import { EventBus } from '../infra/events/event-bus';
import type { OrderBookService } from '../order-book/order-book.service';
import { DashboardHub } from './dashboard-hub.service';
import { DEFAULT_GATEWAY_SETTINGS } from './gateway.settings';

/** Real: DashboardHub, EventBus, the protocol. Fake: sockets (bufferedAmount under test control), the book source. */
class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  on() {}
  send(frame: string) {
    this.sent.push(frame);
  }
  ping() {}
  terminate() {}
  pushes(channel: string) {
    return this.sent.map((f) => JSON.parse(f)).filter((f) => f.channel === channel);
  }
}

function setup() {
  let u = 1;
  const book = { get u() { return u; } };
  const orderBooks = {
    symbols: () => ['BTCUSDT'],
    book: () => book,
    view: () => ({ symbol: 'BTCUSDT', bids: [], asks: [], u, seq: u, exchangeTs: 0, lastUpdateMs: 0, synced: true, crossed: false, stale: false }),
  } as unknown as OrderBookService;
  const bot = { status: () => ({ state: 'stopped', running: false, since: new Date(0), mode: 'sim', symbols: [], participants: {}, connections: {}, counters: {} }) } as unknown as BotLifecycleService;
  const clock = new FixedClock(1_000);
  const hub = new DashboardHub(orderBooks, bot, new EventBus(), clock, DEFAULT_GATEWAY_SETTINGS);
  const tick = () => {
    u += 1;
    clock.advance(DEFAULT_GATEWAY_SETTINGS.tickMs);
    (hub as unknown as { tick(): void }).tick();
  };
  const subscribe = (socket: FakeSocket, channels: string[]) => {
    const client = hub.connect(socket as unknown as WebSocket, 'operator');
    hub.receive(client, Buffer.from(JSON.stringify({ op: 'subscribe', channels })), false);
    return client;
  };
  return { hub, tick, subscribe };
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
});
