/**
 * A minimal loopback Bybit V5 double for the exchange module's integration specs (to be replaced by the simulator).
 * Real: HTTP and WebSocket on 127.0.0.1, signature checks exactly as BYBIT.md §2 over the raw query/body, private WS
 * auth as §7. Faked: answers are the recorded samples in shared/data/bybit/v5-samples (or per-test overrides).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { sharedPath } from './shared-data';

export const SAMPLES_DIR = sharedPath('data/bybit/v5-samples');

export function sample<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(SAMPLES_DIR, name), 'utf8')) as T;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly headers: IncomingMessage['headers'];
  /** null for public endpoints. */
  readonly signatureValid: boolean | null;
  readonly timestampOffsetMs: number | null;
}

export interface FakeReply {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

type Handler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

const SAMPLE_BY_PATH: Record<string, string> = {
  '/v5/market/instruments-info': 'http_get_instruments_linear.json',
  '/v5/market/orderbook': 'http_get_orderbook.json',
  '/v5/market/kline': 'http_get_klines_linear.json',
  '/v5/order/realtime': 'http_get_orders_realtime.json',
  '/v5/order/history': 'http_get_orders_history.json',
  '/v5/execution/list': 'http_get_executions.json',
  '/v5/position/list': 'http_get_positions.json',
  '/v5/account/wallet-balance': 'http_get_wallet_balance.json',
};

export interface FakeBybitOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The fake's clock runs this far ahead of the machine's (tests the offset). */
  readonly clockSkewMs?: number;
}

export class FakeBybit {
  readonly requests: RecordedRequest[] = [];
  readonly publicMessages: unknown[] = [];
  readonly privateMessages: unknown[] = [];
  private readonly overrides = new Map<string, Handler>();
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly publicSockets = new Set<WebSocket>();
  private readonly privateSockets = new Set<WebSocket>();
  private port = 0;
  publicConnections = 0;
  privateConnections = 0;

  constructor(private readonly options: FakeBybitOptions) {
    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/v5/public/linear' && path !== '/v5/private') return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        path === '/v5/private' ? this.onPrivate(ws) : this.onPublic(ws),
      );
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of [...this.publicSockets, ...this.privateSockets]) ws.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsPublicUrl(): string {
    return `ws://127.0.0.1:${this.port}/v5/public/linear`;
  }
  get wsPrivateUrl(): string {
    return `ws://127.0.0.1:${this.port}/v5/private`;
  }

  serverNow(): number {
    return Date.now() + (this.options.clockSkewMs ?? 0);
  }

  respond(path: string, handler: Handler): void {
    this.overrides.set(path, handler);
  }

  /** Drops every public connection as a network fault would (no close frame). */
  dropPublic(): void {
    for (const ws of this.publicSockets) ws.terminate();
  }

  pushPublic(frame: unknown): void {
    for (const ws of this.publicSockets) ws.send(JSON.stringify(frame));
  }

  pushPrivate(frame: unknown): void {
    for (const ws of this.privateSockets) ws.send(JSON.stringify(frame));
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const rawQuery = q >= 0 ? url.slice(q + 1) : '';
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const isPrivate = !path.startsWith('/v5/market/');
    let signatureValid: boolean | null = null;
    let timestampOffsetMs: number | null = null;
    let error: { retCode: number; retMsg: string } | null = null;
    if (isPrivate) {
      const key = String(req.headers['x-bapi-api-key'] ?? '');
      const ts = String(req.headers['x-bapi-timestamp'] ?? '');
      const recv = String(req.headers['x-bapi-recv-window'] ?? '5000');
      const sign = String(req.headers['x-bapi-sign'] ?? '');
      const payload = ts + key + recv + (req.method === 'GET' ? rawQuery : rawBody);
      const expected = createHmac('sha256', this.options.apiSecret).update(payload).digest('hex');
      signatureValid = key === this.options.apiKey && sign === expected;
      const serverTime = this.serverNow();
      timestampOffsetMs = Number(ts) - serverTime;
      if (key !== this.options.apiKey) error = { retCode: 10003, retMsg: 'API key is invalid.' };
      else if (!(serverTime - Number(recv) <= Number(ts) && Number(ts) < serverTime + 1000)) {
        error = {
          retCode: 10002,
          retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${serverTime}],recv_window[${recv}]`,
        };
      } else if (!signatureValid) error = { retCode: 10004, retMsg: `error sign! origin_string[${payload}]` };
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      rawQuery,
      rawBody,
      headers: req.headers,
      signatureValid,
      timestampOffsetMs,
    };
    this.requests.push(recorded);
    let reply: FakeReply;
    const override = this.overrides.get(path);
    if (error) reply = { body: { ...error, result: {}, retExtInfo: {}, time: this.serverNow() } };
    else if (override) reply = await override(recorded);
    else reply = this.defaultReply(recorded);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(reply.headers ?? {}) };
    if (isPrivate && !reply.headers) {
      headers['x-bapi-limit'] = '10';
      headers['x-bapi-limit-status'] = '9';
      headers['x-bapi-limit-reset-timestamp'] = String(Date.now());
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(JSON.stringify(reply.body));
  }

  private defaultReply(request: RecordedRequest): FakeReply {
    if (request.path === '/v5/market/time') {
      const now = this.serverNow();
      return {
        body: {
          retCode: 0,
          retMsg: 'OK',
          result: { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` },
          retExtInfo: {},
          time: now,
        },
      };
    }
    if (['/v5/order/create', '/v5/order/amend', '/v5/order/cancel'].includes(request.path)) {
      const body = JSON.parse(request.rawBody || '{}') as { orderLinkId?: string; orderId?: string };
      return {
        body: {
          retCode: 0,
          retMsg: 'OK',
          result: { orderId: body.orderId ?? 'fake-order-1', orderLinkId: body.orderLinkId ?? '' },
          retExtInfo: {},
          time: this.serverNow(),
        },
      };
    }
    const file = SAMPLE_BY_PATH[request.path];
    if (!file) return { status: 404, body: { retCode: 10001, retMsg: 'unknown path' } };
    return { body: sample(file) };
  }

  // ---- WebSocket -----------------------------------------------------------------------------------------

  private onPublic(ws: WebSocket): void {
    this.publicConnections += 1;
    this.publicSockets.add(ws);
    ws.on('close', () => this.publicSockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { op?: string; req_id?: string; args?: string[] };
      this.publicMessages.push(message);
      if (message.op === 'ping') {
        ws.send(
          JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'fake', req_id: message.req_id ?? '', op: 'ping' }),
        );
        return;
      }
      if (message.op === 'subscribe' || message.op === 'unsubscribe') {
        ws.send(
          JSON.stringify({ success: true, ret_msg: '', conn_id: 'fake', req_id: message.req_id ?? '', op: message.op }),
        );
        if (message.op === 'subscribe') for (const topic of message.args ?? []) this.sendInitial(ws, topic);
      }
    });
  }

  /** After a book subscribe: the sample snapshot, re-topiced for the subscribed symbol and depth. */
  private sendInitial(ws: WebSocket, topic: string): void {
    if (!topic.startsWith('orderbook.')) return;
    const symbol = topic.split('.')[2];
    const snapshot = sample<{ data: Record<string, unknown> }>('ws_orderbook_snapshot.json');
    ws.send(JSON.stringify({ ...snapshot, topic, ts: Date.now(), data: { ...snapshot.data, s: symbol } }));
  }

  private onPrivate(ws: WebSocket): void {
    this.privateConnections += 1;
    this.privateSockets.add(ws);
    let authed = false;
    ws.on('close', () => this.privateSockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { op?: string; req_id?: string; args?: unknown[] };
      this.privateMessages.push(message);
      if (message.op === 'ping') {
        ws.send(
          JSON.stringify({ req_id: message.req_id ?? '', op: 'pong', args: [String(Date.now())], conn_id: 'fake' }),
        );
      } else if (message.op === 'auth') {
        const [key, expires, signature] = message.args as [string, number, string];
        const expected = createHmac('sha256', this.options.apiSecret).update(`GET/realtime${expires}`).digest('hex');
        authed = key === this.options.apiKey && signature === expected && expires > this.serverNow();
        ws.send(
          JSON.stringify({
            success: authed,
            ret_msg: authed ? '' : 'Params Error',
            op: 'auth',
            conn_id: 'fake',
            req_id: message.req_id,
          }),
        );
      } else if (message.op === 'subscribe') {
        ws.send(
          JSON.stringify({
            success: authed,
            ret_msg: authed ? '' : 'not authenticated',
            conn_id: 'fake',
            req_id: message.req_id ?? '',
            op: 'subscribe',
          }),
        );
      }
    });
  }
}
