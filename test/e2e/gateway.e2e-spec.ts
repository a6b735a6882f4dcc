import WebSocket from 'ws';
import '../../src/execution/execution.events';
import { aFill, anOrderView, aPositionView } from '../factories/execution-views.factory';
import { EventBus } from '../../src/infra/events/event-bus';
import { freezeSignal, Signal, signalId } from '../../src/strategy/domain/signal';
import '../../src/strategy/strategy.events';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { sleep } from '../support/wait-for';

/**
 * Real: the whole app (Fastify + WsAdapter, JWT auth, order books fed by the in-process simulator, EventBus).
 * Fake: only the signal and the execution events (orders, positions), published straight onto the EventBus with
 * the payload types execution publishes (the bot is not started, so nothing else publishes them).
 */
type Frame = Record<string, any>;

interface TestClient {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  /** Resolves with the first frame (already received or to come) matching `predicate`. */
  next(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  send(body: unknown): void;
  close(): Promise<void>;
}

function wsUrl(baseUrl: string, query = ''): string {
  return `${baseUrl.replace(/^http/, 'ws')}/ws${query}`;
}

async function connect(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<TestClient> {
  const socket = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
  const frames: Frame[] = [];
  const waiters: Array<{ predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    send: (body) => socket.send(JSON.stringify(body)),
    next: (predicate, timeoutMs = 3000) => {
      const found = frames.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-3))}`)),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: (f) => (clearTimeout(timer), resolve(f)) });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** Opens a socket and reports how it ended: refused at upgrade (HTTP status) or closed (close code), and any data. */
function outcome(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<{ status?: number; code?: number; frames: string[] }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options);
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(data.toString()));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, frames });
      socket.terminate();
    });
    socket.on('open', () =>
      socket.send(JSON.stringify({ op: 'subscribe', channels: ['orderbook:BTCUSDT', 'signals'] })),
    );
    socket.on('close', (code) => resolve({ code, frames }));
    socket.on('error', () => undefined);
  });
}

function aSignal(symbol: string, u: number): Signal {
  return freezeSignal({
    id: signalId({ strategy: 'imb', symbol, side: 'Buy', u, seq: u * 10 }),
    strategy: 'imb',
    symbol,
    side: 'Buy',
    strength: 0.75,
    reason: 'imbalance_5 0.82 >= 0.70',
    price: '96000.10',
    atMs: Date.now(),
    context: {
      bookU: u,
      bookSeq: u * 10,
      metrics: {
        imbalance5: 0.82,
        imbalance10: 0.7,
        imbalanceAll: 0.6,
        imbalance: 0.82,
        bestBid: 96000.1,
        bestAsk: 96000.2,
        spread: 0.1,
        spreadTicks: 1,
        mid: 96000.15,
        microPrice: 96000.18,
        clusterPrice: null,
        clusterNotional: null,
        supportPrice: null,
        supportNotional: 0,
        resistancePrice: null,
        resistanceNotional: 0,
        largestBidClusterPrice: null,
        largestBidClusterNotional: 0,
        largestAskClusterPrice: null,
        largestAskClusterNotional: 0,
      },
    },
  });
}

describe('WS /ws dashboard gateway against the built-in simulator', () => {
  let ctx: TestApp;
  let token: string;
  const open: TestClient[] = [];
  const client = async (query?: string, options?: WebSocket.ClientOptions, protocols?: string[]) => {
    const c = await connect(wsUrl(ctx.baseUrl, query ?? `?token=${encodeURIComponent(token)}`), options, protocols);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT,ETHUSDT' });
    token = await loginToken(ctx.baseUrl);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(() => ctx.close());

  it('should refuse a client without a token or with a bad one, sending no channel data', async () => {
    for (const [query, options] of [
      ['', {}],
      ['?token=not-a-jwt', {}],
      ['', { headers: { authorization: 'Bearer not-a-jwt' } }],
    ] as Array<[string, WebSocket.ClientOptions]>) {
      const result = await outcome(wsUrl(ctx.baseUrl, query), options);
      // Authenticated at connect: the socket opens, then closes with 4401 before any channel data.
      expect(result).toEqual({ code: 4401, frames: [] });
    }
  });

  it('should accept the token as Authorization header or as Sec-WebSocket-Protocol: bearer, <token>', async () => {
    const byHeader = await client('', { headers: { authorization: `Bearer ${token}` } });
    byHeader.send({ op: 'ping' });
    expect(await byHeader.next((f) => f.op === 'pong')).toMatchObject({ op: 'pong' });

    const byProtocol = await client('', {}, ['bearer', token]);
    expect(byProtocol.socket.protocol).toBe('bearer');
    byProtocol.send({ op: 'ping' });
    expect(await byProtocol.next((f) => f.op === 'pong')).toMatchObject({ op: 'pong' });
  });

  it('should push throttled orderbook and metrics updates with increasing u', async () => {
    const c = await client();
    c.send({ op: 'subscribe', channels: ['orderbook:btcusdt', 'metrics:BTCUSDT'] });
    expect(await c.next((f) => f.op === 'subscribe')).toEqual({
      op: 'subscribe',
      success: true,
      channels: ['orderbook:BTCUSDT', 'metrics:BTCUSDT'],
    });

    const started = Date.now();
    await sleep(2000);
    const elapsedS = (Date.now() - started) / 1000;
    const books = c.frames.filter((f) => f.channel === 'orderbook:BTCUSDT').map((f) => f.data);
    const metrics = c.frames.filter((f) => f.channel === 'metrics:BTCUSDT').map((f) => f.data);

    expect(books.length).toBeGreaterThanOrEqual(3);
    expect(metrics.length).toBeGreaterThanOrEqual(3);
    // At most one push per 100 ms per channel (+ the initial snapshot and timer jitter).
    expect(books.length).toBeLessThanOrEqual(Math.ceil(12 * elapsedS) + 1);
    expect(metrics.length).toBeLessThanOrEqual(Math.ceil(12 * elapsedS) + 1);
    for (let i = 1; i < books.length; i++) expect(books[i].u).toBeGreaterThan(books[i - 1].u);
    expect(books[0]).toMatchObject({ symbol: 'BTCUSDT', synced: true, crossed: false });
    expect(books[0].bids.length).toBeGreaterThan(0);
    expect(Number(books[0].bids[0][0])).toBeLessThan(Number(books[0].asks[0][0]));
    expect(metrics[0]).toMatchObject({ symbol: 'BTCUSDT' });
    expect(Number(metrics[0].mid)).toBeGreaterThan(0);
  });

  it('should stop pushing a channel after unsubscribe', async () => {
    const c = await client();
    c.send({ op: 'subscribe', channels: ['orderbook:ETHUSDT'] });
    await c.next((f) => f.channel === 'orderbook:ETHUSDT');
    c.send({ op: 'unsubscribe', channels: ['orderbook:ETHUSDT'] });
    await c.next((f) => f.op === 'unsubscribe' && f.success === true);
    await sleep(150); // a frame already in flight may still arrive
    const before = c.frames.length;
    await sleep(500);
    expect(c.frames.slice(before).filter((f) => f.channel === 'orderbook:ETHUSDT')).toEqual([]);
  });

  it('should push a generated signal to the signals subscribers only', async () => {
    const subscribed = await client();
    const other = await client();
    subscribed.send({ op: 'subscribe', channels: ['signals'] });
    await subscribed.next((f) => f.op === 'subscribe' && f.success);
    other.send({ op: 'subscribe', channels: ['bot'] });
    await other.next((f) => f.op === 'subscribe' && f.success);

    const signal = aSignal('BTCUSDT', 4242);
    ctx.app.get(EventBus).publish('signal.generated', { traceId: signal.id, signal });

    const push = await subscribed.next((f) => f.channel === 'signals');
    expect(push.data).toMatchObject({
      id: signal.id,
      symbol: 'BTCUSDT',
      side: 'Buy',
      strength: 0.75,
      price: '96000.10',
      bookU: 4242,
    });
    await sleep(200);
    expect(other.frames.filter((f) => f.channel === 'signals')).toEqual([]);
    expect(other.frames.find((f) => f.channel === 'bot')?.data).toMatchObject({
      state: expect.any(String),
      running: expect.any(Boolean),
    });
  });

  it('should refuse unknown channels and symbols, and malformed messages, without closing', async () => {
    const c = await client();
    c.send({ op: 'subscribe', channels: ['orderbook:DOGEUSDT'] });
    const unknownSymbol = await c.next((f) => f.op === 'subscribe');
    expect(unknownSymbol).toMatchObject({ success: false, error: expect.stringContaining('DOGEUSDT') });
    c.frames.length = 0;
    c.send({ op: 'subscribe', channels: ['trades'] });
    expect(await c.next((f) => f.op === 'subscribe')).toMatchObject({
      success: false,
      error: expect.stringMatching(/^unknown channel trades/),
    });
    c.socket.send('not json');
    expect(await c.next((f) => f.op === 'error')).toMatchObject({ success: false });
    c.send({ op: 'subscribe' });
    expect(await c.next((f) => f.op === 'subscribe' && f.error?.includes('channels'))).toMatchObject({
      success: false,
    });
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('should push order and position events in publication order, with their trace id, fields and a per-channel seq', async () => {
    const c = await client();
    const eth = await client();
    c.send({ op: 'subscribe', channels: ['orders', 'positions'] });
    expect(await c.next((f) => f.op === 'subscribe')).toEqual({
      op: 'subscribe',
      success: true,
      channels: ['orders', 'positions'],
    });
    eth.send({ op: 'subscribe', channels: ['orders:ethusdt'] });
    expect(await eth.next((f) => f.op === 'subscribe')).toEqual({
      op: 'subscribe',
      success: true,
      channels: ['orders:ETHUSDT'],
    });

    const bus = ctx.app.get(EventBus);
    const traceId = 'sig-e2e-orders-1';
    const pending = anOrderView({ id: 'e2e-order-1', clientOrderId: 'sig-e2e-orders-1-entry' });
    const placed = { ...pending, status: 'Placed' as const, exchangeOrderId: 'bybit-1' };
    const filled = {
      ...placed,
      status: 'Filled' as const,
      filledQuantity: '0.002',
      avgFillPrice: '64250.5',
      fee: '0.0257',
    };
    const position = aPositionView({ id: pending.positionId! });
    bus.publish('order.created', { traceId, actor: 'bot', order: pending, reason: 'imbalance_5 0.82 >= 0.70' });
    bus.publish('order.status-changed', {
      traceId,
      actor: 'exchange',
      from: 'Pending',
      order: placed,
      cause: 'create acknowledged',
    });
    bus.publish('order.filled', { traceId, actor: 'exchange', order: filled, fill: aFill({ execId: 'exec-1' }) });
    bus.publish('position.opened', { traceId, actor: 'exchange', position });
    bus.publish('position.updated', {
      traceId,
      actor: 'bot',
      before: position,
      position: { ...position, status: 'Closing' },
      cause: 'exit: take_profit',
    });
    bus.publish('order.cancel-requested', {
      actor: 'operator',
      order: anOrderView({ id: 'e2e-order-2', symbol: 'ETHUSDT', status: 'Placed' }),
      reason: 'manual',
      success: false,
      error: '110001 order not exists',
    });
    bus.publish('position.closed', {
      traceId,
      actor: 'exchange',
      position: {
        ...position,
        status: 'Closed',
        quantity: '0',
        exitPrice: '64443.3',
        realizedPnl: '0.33',
        exitReason: 'take_profit',
      },
    });

    await c.next((f) => f.channel === 'positions' && f.data.event === 'closed');
    const pushes = c.frames.filter((f) => f.channel);
    expect(pushes.map((f) => [f.channel, f.seq, f.data.event, f.data.traceId])).toEqual([
      ['orders', 1, 'created', traceId],
      ['orders', 2, 'status-changed', traceId],
      ['orders', 3, 'filled', traceId],
      ['positions', 1, 'opened', traceId],
      ['positions', 2, 'updated', traceId],
      ['orders', 4, 'cancel-requested', null],
      ['positions', 3, 'closed', traceId],
    ]);
    const [created, changed, fill, opened, updated, cancel, closed] = pushes.map((f) => f.data);
    expect(created).toMatchObject({ actor: 'bot', reason: 'imbalance_5 0.82 >= 0.70', at: expect.any(String) });
    expect(created.order).toEqual({
      id: 'e2e-order-1',
      clientOrderId: 'sig-e2e-orders-1-entry',
      exchangeOrderId: null,
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      status: 'Pending',
      quantity: '0.002',
      price: '64250.5',
      filledQuantity: '0',
      avgFillPrice: null,
      fee: '0',
      reduceOnly: false,
      positionId: pending.positionId,
    });
    expect(changed).toMatchObject({
      from: 'Pending',
      cause: 'create acknowledged',
      order: { status: 'Placed', exchangeOrderId: 'bybit-1' },
    });
    expect(fill).toMatchObject({
      fill: { execId: 'exec-1', price: '64250.5', quantity: '0.002', isMaker: true },
      order: { status: 'Filled', avgFillPrice: '64250.5' },
    });
    expect(opened.position).toMatchObject({
      id: position.id,
      status: 'Open',
      entryPrice: '64250.5',
      realizedPnl: '0',
      unrealizedPnl: '0.12',
    });
    expect(updated).toMatchObject({ cause: 'exit: take_profit', position: { status: 'Closing' } });
    expect(cancel).toMatchObject({
      actor: 'operator',
      success: false,
      error: '110001 order not exists',
      order: { symbol: 'ETHUSDT' },
    });
    expect(closed.position).toMatchObject({
      status: 'Closed',
      exitPrice: '64443.3',
      realizedPnl: '0.33',
      exitReason: 'take_profit',
    });

    // orders:ETHUSDT saw only the ETHUSDT order, with its own seq.
    await eth.next((f) => f.channel === 'orders:ETHUSDT');
    await sleep(100);
    expect(eth.frames.filter((f) => f.channel).map((f) => [f.channel, f.seq, f.data.order.id])).toEqual([
      ['orders:ETHUSDT', 1, 'e2e-order-2'],
    ]);
  });

  it('should refuse unknown trading channels and stop pushing orders after unsubscribe', async () => {
    const c = await client();
    for (const name of ['order', 'orders:DOGEUSDT', 'positions:']) {
      c.frames.length = 0;
      c.send({ op: 'subscribe', channels: [name] });
      expect(await c.next((f) => f.op === 'subscribe')).toMatchObject({
        success: false,
        error: expect.stringContaining(name),
      });
    }
    c.send({ op: 'subscribe', channels: ['orders', 'positions'] });
    await c.next((f) => f.op === 'subscribe' && f.success);
    c.send({ op: 'unsubscribe', channels: ['orders'] });
    await c.next((f) => f.op === 'unsubscribe' && f.success);

    const bus = ctx.app.get(EventBus);
    bus.publish('order.created', {
      traceId: 'sig-e2e-unsub',
      actor: 'bot',
      order: anOrderView({ id: 'e2e-order-3' }),
      reason: 'imbalance',
    });
    bus.publish('position.opened', {
      traceId: 'sig-e2e-unsub',
      actor: 'exchange',
      position: aPositionView({ id: 'e2e-position-3' }),
    });
    // Events reach a client in publication order: once the position is in, the order would have been too.
    expect((await c.next((f) => f.channel === 'positions')).data).toMatchObject({
      event: 'opened',
      traceId: 'sig-e2e-unsub',
    });
    expect(c.frames.filter((f) => f.channel === 'orders')).toEqual([]);
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('should report the client count in /health/ready', async () => {
    const readyClients = async () => {
      const body = (await (await fetch(`${ctx.baseUrl}/health/ready`)).json()) as { details: Record<string, any> };
      return body.details.wsClients;
    };
    const a = await client();
    await client();
    await sleep(50);
    expect(await readyClients()).toMatchObject({
      status: 'up',
      clients: 2,
      dropped: expect.any(Number),
      droppedEvents: 0,
    });
    await a.close();
    open.splice(open.indexOf(a), 1);
    await sleep(50);
    expect(await readyClients()).toMatchObject({ status: 'up', clients: 1 });
  });
});
