import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { SimulatorRejection, V5_ERRORS } from '../domain/v5-errors';
import { PrivateUpdate } from '../domain/matching-engine';
import { OutboundPublic, SimVenue } from '../sim-venue';
import { FaultPlanError, FaultSettings, mergeFaults } from './fault-plan';
import { accountInfo, apiKeyInfo, coinInfo } from './v5-account-info';
import { V5_ENDPOINT_LIMITS, V5RateLimits } from './v5-rate-limits';
import { restSignatureMatches, verifyRestSignature } from './v5-signature';
import { StreamKind, V5WsSession } from './v5-ws-session';

export interface V5ServerOptions {
  readonly venue: SimVenue;
  /** apiKey → apiSecret; every key trades the one simulated account. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly faults: FaultSettings;
  /** The simulator's seeded random source (fault draws). */
  readonly random: () => number;
  readonly now?: () => number;
  /** Per-UID requests per second by path, over Bybit's defaults (V5_ENDPOINT_LIMITS): another account tier. */
  readonly endpointLimits?: Readonly<Record<string, number>>;
}

/** An HTTP request as the server received it, before limits, faults and auth. */
export interface V5RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Signed endpoints: whether the HMAC matches the key's secret, whatever the timestamp; null on public ones. */
  readonly signatureValid: boolean | null;
  /** Signed endpoints: X-BAPI-TIMESTAMP minus the server's clock; null on public ones. */
  readonly timestampOffsetMs: number | null;
}

/** What the server answered (not called for a request a timeout fault leaves hanging). */
export interface V5ResponseRecord {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Watches the traffic (tests and tools: what a client sent, signed and subscribed), without changing it. Each
 * callback is optional; with no observer nothing is recorded or computed.
 */
export interface V5TrafficObserver {
  request?(request: V5RequestRecord): void;
  response?(request: V5RequestRecord, response: V5ResponseRecord): void;
  /** A WebSocket connection accepted on `path` (/v5/public/linear, /v5/private or /v5/sim). */
  wsOpened?(path: string): void;
  /** A message a client sent on a WebSocket connection of `path`. */
  wsMessage?(path: string, text: string): void;
}

type Params = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** WebSocket paths: Bybit's own, plus one that carries both kinds (bybit-api's single `wsUrl` option). */
const WS_PATHS: Readonly<Record<string, ReadonlySet<StreamKind>>> = {
  '/v5/public/linear': new Set(['public']),
  '/v5/private': new Set(['private']),
  '/v5/sim': new Set(['public', 'private']),
};

const PRIVATE_TOPIC_ALIASES: Readonly<Record<PrivateUpdate['topic'], readonly string[]>> = {
  order: ['order', 'order.linear'],
  execution: ['execution', 'execution.linear'],
  position: ['position', 'position.linear'],
  wallet: ['wallet'],
};

/** Bybit categories other than linear: real, but this venue lists no instruments in them. */
const OTHER_CATEGORIES: ReadonlySet<string> = new Set(['spot', 'inverse', 'option']);

interface Connection {
  readonly socket: WebSocket;
  readonly session: V5WsSession;
}

class V5HttpError extends Error {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
    readonly httpStatus = 200,
  ) {
    super(retMsg);
  }
}

function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/**
 * Bybit V5 over HTTP and WebSocket on loopback: the real paths, envelopes, auth, limits and error codes
 * (BYBIT.md), translating requests into SimVenue calls and fanning its market and account updates out to the
 * subscribed connections. Public messages are serialised once per message, not once per subscriber.
 */
export class V5Server {
  readonly http: FastifyInstance;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly subscribers = new Map<string, Set<Connection>>();
  private readonly connections = new Set<Connection>();
  private readonly limits: V5RateLimits;
  private readonly observers = new Set<V5TrafficObserver>();
  private readonly observedRequests = new WeakMap<FastifyRequest, V5RequestRecord>();
  private readonly now: () => number;
  private faults: FaultSettings;
  private readonly hanging = new Set<FastifyReply>();
  private published = 0;

  constructor(private readonly options: V5ServerOptions) {
    this.now = options.now ?? Date.now;
    this.faults = options.faults;
    this.limits = new V5RateLimits({ ...V5_ENDPOINT_LIMITS, ...options.endpointLimits });
    this.http = Fastify({ logger: false, bodyLimit: 256 * 1024 });
    // Signatures cover the exact body bytes: keep the raw text, parse it ourselves.
    this.http.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    this.http.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    this.registerMarketRoutes();
    this.registerAccountRoutes();
    this.registerAccountInfoRoutes();
    this.registerControlRoutes();
    this.http.addHook('onSend', (request, reply, payload, done) => {
      const record = this.observedRequests.get(request);
      if (record) {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(reply.getHeaders()))
          if (value !== undefined) headers[name] = String(value);
        for (const observer of this.observers) observer.response?.(record, { status: reply.statusCode, headers });
      }
      done(null, payload);
    });
    this.http.setNotFoundHandler(
      (_request, reply) =>
        void reply
          .status(404)
          .send({ retCode: 404, retMsg: 'Not Found', result: {}, retExtInfo: {}, time: this.now() }),
    );
    this.http.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    options.venue.on({
      publicMessage: (message) => this.fanOutPublic(message),
      privateUpdate: (update) => this.fanOutPrivate(update),
      accountChanged: () => undefined,
    });
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    await this.http.listen({ port, host });
    return (this.http.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    for (const reply of this.hanging) reply.raw.destroy();
    this.wss.close();
    await this.http.close();
  }

  // ------------------------------------------------------------------------------------------ control

  currentFaults(): FaultSettings {
    return this.faults;
  }

  setFaults(update: unknown): FaultSettings {
    this.faults = mergeFaults(this.faults, update);
    if (this.faults.feedPaused) this.options.venue.pauseFeed();
    else this.options.venue.resumeFeed();
    return this.faults;
  }

  /** Adds a traffic observer; returns the function that removes it. */
  observe(observer: V5TrafficObserver): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  dropConnections(): number {
    const count = this.connections.size;
    for (const connection of [...this.connections]) connection.socket.terminate();
    return count;
  }

  stats(): { connections: number; published: number; topics: number } {
    return { connections: this.connections.size, published: this.published, topics: this.subscribers.size };
  }

  // ---------------------------------------------------------------------------------------- REST: public

  private registerMarketRoutes(): void {
    const venue = this.options.venue;
    this.route('GET', '/v5/market/time', false, () => {
      const now = this.now();
      return { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` };
    });
    this.route('GET', '/v5/market/instruments-info', false, (params) => {
      // General clients (ccxt's loadMarkets) list every category; the venue has linear contracts only.
      if (OTHER_CATEGORIES.has(String(params.category))) {
        return { category: params.category, list: [], nextPageCursor: '' };
      }
      this.requireLinear(params);
      const list = venue.instruments().filter((i) => !params.symbol || i.symbol === params.symbol);
      return { category: 'linear', list, nextPageCursor: '' };
    });
    this.route('GET', '/v5/market/orderbook', false, (params) => {
      this.requireLinear(params);
      const symbol = this.requireSymbol(params);
      const limit = this.limitParam(params, 25, 1000);
      return (
        venue.orderbook(symbol, limit) ?? { s: symbol, b: [], a: [], ts: this.now(), u: 0, seq: 0, cts: this.now() }
      );
    });
    this.route('GET', '/v5/market/kline', false, (params) => {
      const symbol = this.requireSymbol(params);
      if (params.interval !== '1') throw new V5HttpError(10001, 'The simulator serves interval 1 only');
      const limit = this.limitParam(params, 200, 1000);
      const start = params.start ? Number(params.start) : undefined;
      const end = params.end ? Number(params.end) : undefined;
      return { category: 'linear', symbol, list: venue.klines(symbol, limit, start, end) };
    });
    this.route('GET', '/v5/market/tickers', false, (params) => {
      this.requireLinear(params);
      const symbols = params.symbol ? [this.requireSymbol(params)] : venue.symbols();
      return { category: 'linear', list: symbols.map((s) => venue.ticker(s)).filter((t) => t !== undefined) };
    });
    this.route('GET', '/v5/market/recent-trade', false, (params) => {
      this.requireLinear(params);
      const symbol = this.requireSymbol(params);
      return { category: 'linear', list: venue.recentTrades(symbol, this.limitParam(params, 500, 1000)) };
    });
  }

  // --------------------------------------------------------------------------------------- REST: private

  private registerAccountRoutes(): void {
    const venue = this.options.venue;
    this.route('POST', '/v5/order/create', true, (params, now) => {
      this.requireLinear(params);
      if (this.options.random() < this.faults.orderRejectRate)
        throw new SimulatorRejection(V5_ERRORS.AVAILABLE_INSUFFICIENT);
      return venue.placeOrder(
        {
          symbol: this.requireSymbol(params),
          side: String(params.side ?? ''),
          orderType: String(params.orderType ?? ''),
          qty: params.qty as string,
          price: params.price,
          timeInForce: params.timeInForce,
          reduceOnly: bool(params.reduceOnly),
          orderLinkId: params.orderLinkId,
          positionIdx: params.positionIdx === undefined ? undefined : Number(params.positionIdx),
        },
        now,
      );
    });
    this.route('POST', '/v5/order/amend', true, (params, now) => {
      this.requireLinear(params);
      return venue.amendOrder(
        {
          symbol: this.requireSymbol(params),
          orderId: params.orderId,
          orderLinkId: params.orderLinkId,
          qty: params.qty,
          price: params.price,
        },
        now,
      );
    });
    this.route('POST', '/v5/order/cancel', true, (params, now) => {
      this.requireLinear(params);
      return venue.cancelOrder(
        { symbol: this.requireSymbol(params), orderId: params.orderId, orderLinkId: params.orderLinkId },
        now,
      );
    });
    this.route('POST', '/v5/order/cancel-all', true, (params, now) => {
      this.requireLinear(params);
      if (params.symbol === undefined && params.settleCoin === undefined && params.baseCoin === undefined) {
        throw new V5HttpError(10001, 'symbol, baseCoin or settleCoin is required');
      }
      return venue.cancelAll(params.symbol === undefined ? undefined : this.requireSymbol(params), now);
    });
    this.route('GET', '/v5/order/realtime', true, (params) => {
      this.requireLinear(params);
      this.requireOneOf(params, ['symbol', 'settleCoin', 'baseCoin']);
      // Bybit ignores openOnly when an order is asked for by orderId or orderLinkId (ccxt's fetchOrder relies on it).
      const byId = params.orderId !== undefined || params.orderLinkId !== undefined;
      const scope = byId ? 'all' : params.openOnly === '1' ? 'closed' : 'open';
      const list = venue.listOrders({
        symbol: params.symbol,
        orderId: params.orderId,
        orderLinkId: params.orderLinkId,
        scope,
      });
      return { category: 'linear', ...this.page(list, params, 20, 50) };
    });
    this.route('GET', '/v5/order/history', true, (params) => {
      this.requireLinear(params);
      const list = venue
        .listOrders({ symbol: params.symbol, orderId: params.orderId, orderLinkId: params.orderLinkId, scope: 'all' })
        .filter((o) => !params.orderStatus || o.orderStatus === params.orderStatus);
      return { category: 'linear', ...this.page(list, params, 20, 50) };
    });
    this.route('GET', '/v5/execution/list', true, (params) => {
      this.requireLinear(params);
      const list = venue.listExecutions({
        symbol: params.symbol,
        orderId: params.orderId,
        orderLinkId: params.orderLinkId,
        startTime: params.startTime ? Number(params.startTime) : undefined,
        endTime: params.endTime ? Number(params.endTime) : undefined,
      });
      return { category: 'linear', ...this.page(list, params, 50, 100) };
    });
    this.route('GET', '/v5/position/list', true, (params) => {
      // ccxt's watchPositions snapshot asks for inverse positions too: the account holds none.
      if (OTHER_CATEGORIES.has(String(params.category))) {
        return { category: params.category, list: [], nextPageCursor: '' };
      }
      this.requireLinear(params);
      this.requireOneOf(params, ['symbol', 'settleCoin']);
      const list = venue.listPositions({ symbol: params.symbol });
      return { category: 'linear', ...this.page(list, params, 20, 200) };
    });
    this.route('POST', '/v5/position/set-leverage', true, (params, now) => {
      this.requireLinear(params);
      if (params.buyLeverage !== params.sellLeverage)
        throw new V5HttpError(10001, 'buyLeverage must equal sellLeverage in one-way mode');
      return venue.setLeverage(this.requireSymbol(params), String(params.buyLeverage), now);
    });
    this.route('GET', '/v5/account/wallet-balance', true, (params) => {
      if (params.accountType !== 'UNIFIED') throw new V5HttpError(10001, 'accountType only support UNIFIED');
      return { list: [venue.walletBalance()] };
    });
    this.route('GET', '/v5/account/fee-rate', true, (params) => {
      this.requireLinear(params);
      return { list: venue.feeRates(params.symbol) };
    });
  }

  /** What general-purpose clients (ccxt) ask before trading; see v5-account-info.ts. */
  private registerAccountInfoRoutes(): void {
    const startedAt = this.now();
    this.route('GET', '/v5/user/query-api', true, (_params, _now, uid) => apiKeyInfo(uid ?? '', startedAt));
    this.route('GET', '/v5/account/info', true, () => accountInfo(startedAt));
    this.route('GET', '/v5/asset/coin/query-info', true, (params) =>
      coinInfo(this.options.venue.instruments(), params.coin),
    );
  }

  // ------------------------------------------------------------------------------------ REST: plumbing

  private route(
    method: 'GET' | 'POST',
    path: string,
    signed: boolean,
    /** `uid` is the authenticated API key of a signed route. */
    handler: (params: Params, now: number, uid: string | undefined) => unknown,
  ): void {
    this.http.route({
      method,
      url: path,
      handler: async (request, reply) => {
        const now = this.now();
        const rawQuery = request.raw.url?.includes('?') ? request.raw.url.slice(request.raw.url.indexOf('?') + 1) : '';
        const rawBody = typeof request.body === 'string' ? request.body : '';
        if (this.observers.size > 0) this.recordRequest(request, path, signed, rawQuery, rawBody, now);
        if (!this.limits.takeIp(request.ip, now))
          return reply.status(403).type('text/plain').send('access too frequent');
        if (this.options.random() < this.faults.httpTimeoutRate) return this.hang(reply);
        if (this.options.random() < this.faults.httpErrorRate)
          return reply.status(this.faults.httpErrorStatus).type('text/plain').send('Service Unavailable');
        let uid: string | undefined;
        try {
          if (signed) {
            uid = this.authenticate(request, method === 'GET' ? rawQuery : rawBody, now);
            const decision = this.limits.takeEndpoint(uid, path, now);
            if (decision) {
              void reply.headers(decision.headers);
              if (!decision.allowed) return this.envelope(reply, 10006, 'Too many visits!', {}, now);
            }
          }
          const params = method === 'GET' ? Object.fromEntries(new URLSearchParams(rawQuery)) : parseBody(rawBody);
          return this.envelope(reply, 0, 'OK', handler(params, now, uid), now);
        } catch (error) {
          if (error instanceof V5HttpError)
            return this.envelope(reply.status(error.httpStatus), error.retCode, error.retMsg, {}, now);
          if (error instanceof SimulatorRejection) return this.envelope(reply, error.retCode, error.retMsg, {}, now);
          return this.envelope(reply.status(500), 10016, 'Internal server error.', {}, now);
        }
      },
    });
  }

  private recordRequest(
    request: FastifyRequest,
    path: string,
    signed: boolean,
    rawQuery: string,
    rawBody: string,
    now: number,
  ): void {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const method = request.method;
    const timestamp = header('x-bapi-timestamp');
    const record: V5RequestRecord = {
      method,
      path,
      rawQuery,
      rawBody,
      headers: { ...request.headers },
      signatureValid: signed
        ? restSignatureMatches(
            {
              apiKey: header('x-bapi-api-key'),
              timestamp,
              recvWindow: header('x-bapi-recv-window'),
              sign: header('x-bapi-sign'),
              payload: method === 'GET' ? rawQuery : rawBody,
            },
            (key) => this.options.credentials[key],
          )
        : null,
      timestampOffsetMs: signed && timestamp !== undefined ? Number(timestamp) - now : null,
    };
    this.observedRequests.set(request, record);
    for (const observer of this.observers) observer.request?.(record);
  }

  private authenticate(request: FastifyRequest, payload: string, now: number): string {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const verdict = verifyRestSignature(
      {
        apiKey: header('x-bapi-api-key'),
        timestamp: header('x-bapi-timestamp'),
        recvWindow: header('x-bapi-recv-window'),
        sign: header('x-bapi-sign'),
        payload,
      },
      (key) => this.options.credentials[key],
      now,
    );
    if (!verdict.ok)
      throw new V5HttpError(
        verdict.failure.retCode,
        verdict.failure.retMsg,
        verdict.failure.retCode === 10003 ? 401 : 200,
      );
    return verdict.apiKey;
  }

  private envelope(reply: FastifyReply, retCode: number, retMsg: string, result: unknown, now: number): FastifyReply {
    return reply
      .type('application/json')
      .send({ retCode, retMsg, result: retCode === 0 ? result : {}, retExtInfo: {}, time: now });
  }

  /** A request that never answers (the client's timeout must fire); released when the client gives up or at close. */
  private hang(reply: FastifyReply): FastifyReply {
    this.hanging.add(reply);
    reply.raw.once('close', () => this.hanging.delete(reply));
    return reply.hijack() as unknown as FastifyReply;
  }

  private requireLinear(params: Params): void {
    if (params.category !== 'linear') throw new V5HttpError(10001, 'category only support linear');
  }

  private requireSymbol(params: Params): string {
    const symbol = params.symbol;
    if (!symbol) throw new V5HttpError(10001, 'symbol is required');
    if (!this.options.venue.hasSymbol(symbol)) throw new V5HttpError(10001, `params error: symbol invalid ${symbol}`);
    return symbol;
  }

  private requireOneOf(params: Params, names: readonly string[]): void {
    if (!names.some((n) => params[n] !== undefined)) throw new V5HttpError(10001, `${names.join(' or ')} is required`);
  }

  private limitParam(params: Params, fallback: number, max: number): number {
    if (params.limit === undefined) return fallback;
    const limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new V5HttpError(10001, `limit must be 1..${max}`);
    return limit;
  }

  /** Cursor pages: the cursor is the offset of the next page, "" at the end. */
  private page<T>(
    list: readonly T[],
    params: Params,
    fallback: number,
    max: number,
  ): { list: T[]; nextPageCursor: string } {
    const limit = this.limitParam(params, fallback, max);
    const offset = params.cursor ? Number(params.cursor) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new V5HttpError(10001, 'cursor invalid');
    const slice = list.slice(offset, offset + limit);
    return { list: slice, nextPageCursor: offset + limit < list.length ? String(offset + limit) : '' };
  }

  // ------------------------------------------------------------------------------------ control routes

  private registerControlRoutes(): void {
    const loopbackOnly = (request: FastifyRequest, reply: FastifyReply): boolean => {
      if (isLoopback(request.ip)) return true;
      void reply.status(403).send({ error: 'the control endpoint answers loopback only' });
      return false;
    };
    this.http.get('/sim/faults', (request, reply) => (loopbackOnly(request, reply) ? reply.send(this.faults) : reply));
    this.http.post('/sim/faults', (request, reply) => {
      if (!loopbackOnly(request, reply)) return reply;
      try {
        // Fault values keep their JSON types (numbers, booleans); parseBody stringifies for V5 order params.
        return reply.send(this.setFaults(parseControlBody(String(request.body ?? ''))));
      } catch (error) {
        if (error instanceof FaultPlanError || error instanceof SyntaxError)
          return reply.status(400).send({ error: error.message });
        throw error;
      }
    });
    this.http.post('/sim/ws/drop', (request, reply) =>
      loopbackOnly(request, reply) ? reply.send({ dropped: this.dropConnections() }) : reply,
    );
    this.http.post('/sim/gap', (request, reply) => {
      if (!loopbackOnly(request, reply)) return reply;
      const body = parseBody(String(request.body ?? '{}'));
      const done = this.options.venue.forceGap(String(body.symbol), Number(body.depth ?? 50));
      return reply.status(done ? 200 : 404).send({ gap: done });
    });
    this.http.post('/sim/reset-snapshot', (request, reply) => {
      if (!loopbackOnly(request, reply)) return reply;
      const body = parseBody(String(request.body ?? '{}'));
      this.options.venue.forceResetSnapshot(body.symbol);
      return reply.send({ reset: true });
    });
    this.http.get('/sim/stats', (request, reply) => (loopbackOnly(request, reply) ? reply.send(this.stats()) : reply));
  }

  // ---------------------------------------------------------------------------------------- WebSocket

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    const kinds = WS_PATHS[path];
    if (!kinds) {
      socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, kinds, path));
  }

  private accept(socket: WebSocket, kinds: ReadonlySet<StreamKind>, path: string): void {
    const session = new V5WsSession(
      randomUUID(),
      kinds,
      (key) => this.options.credentials[key],
      (symbol) => this.options.venue.hasSymbol(symbol),
    );
    const connection: Connection = { socket, session };
    this.connections.add(connection);
    for (const observer of this.observers) observer.wsOpened?.(path);
    socket.on('message', (data) => {
      const text = String(data);
      for (const observer of this.observers) observer.wsMessage?.(path, text);
      const effects = session.handle(text, this.now());
      for (const reply of effects.replies) this.send(connection, reply, false);
      for (const topic of effects.subscribed) this.subscribe(connection, topic);
      for (const topic of effects.unsubscribed) this.unsubscribe(connection, topic);
    });
    socket.on('close', () => {
      this.connections.delete(connection);
      for (const topic of [...session.topics]) this.unsubscribe(connection, topic);
    });
    socket.on('error', () => socket.terminate());
  }

  private subscribe(connection: Connection, topic: string): void {
    if (
      topic in PRIVATE_TOPIC_ALIASES ||
      Object.values(PRIVATE_TOPIC_ALIASES).some((aliases) => aliases.includes(topic))
    )
      return;
    let set = this.subscribers.get(topic);
    if (!set) {
      set = new Set();
      this.subscribers.set(topic, set);
    }
    set.add(connection);
    // The first message after a successful subscribe is a snapshot (BYBIT.md §6.1).
    const first = this.options.venue.openTopic(topic);
    if (first) this.send(connection, first, true);
  }

  private unsubscribe(connection: Connection, topic: string): void {
    const set = this.subscribers.get(topic);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) {
      this.subscribers.delete(topic);
      this.options.venue.closeTopic(topic);
    }
  }

  private fanOutPublic(message: OutboundPublic): void {
    const set = this.subscribers.get(message.topic);
    if (!set) return;
    this.published += 1;
    for (const connection of set) {
      if (this.faults.wsDropRate > 0 && this.options.random() < this.faults.wsDropRate) continue;
      this.send(connection, message.text, true);
    }
  }

  private fanOutPrivate(update: PrivateUpdate): void {
    let text: string | undefined;
    const aliases = PRIVATE_TOPIC_ALIASES[update.topic];
    for (const connection of this.connections) {
      if (!connection.session.apiKey || !aliases.some((alias) => connection.session.topics.has(alias))) continue;
      text ??= JSON.stringify(update);
      this.send(connection, text, true);
    }
  }

  private send(connection: Connection, text: string, delayable: boolean): void {
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (delayable && this.faults.wsDelayMs > 0) {
      setTimeout(
        () => connection.socket.readyState === WebSocket.OPEN && connection.socket.send(text),
        this.faults.wsDelayMs,
      );
      return;
    }
    connection.socket.send(text);
  }
}

function parseBody(text: string): Json & Params {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new V5HttpError(10001, 'Request parameter error: body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new V5HttpError(10001, 'Request parameter error');
  const params: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(parsed))
    params[key] = value === undefined || value === null ? undefined : String(value);
  return params;
}

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value === 'true' || value === '1';
}

function parseControlBody(text: string): unknown {
  return text.trim() === '' ? {} : JSON.parse(text);
}
