import { JwtService } from '@nestjs/jwt';
import WebSocket from 'ws';
import { DashboardHub } from '../../src/gateway/dashboard-hub.service';
import { loginToken, startTestApp, TEST_PASSWORD, TestApp } from '../support/app';

/**
 * The limits of /ws against the whole app (Fastify + WsAdapter, JWT, the in-process simulator): inbound rate limit,
 * connection caps per address and per principal, and tokens that stop being valid while their socket is open.
 * Small caps so each limit is reached with a handful of sockets; loopback only, every socket closed at the end.
 */
interface Ended {
  readonly code: number;
  readonly reason: string;
  readonly frames: number;
}

interface Probe {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly ended: Promise<Ended>;
  frames(): number;
}

function probe(url: string, options: WebSocket.ClientOptions = {}): Probe {
  const socket = new WebSocket(url, options);
  let frames = 0;
  socket.on('message', () => (frames += 1));
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const ended = new Promise<Ended>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), frames })),
  );
  return { socket, opened, ended, frames: () => frames };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('WS /ws limits: rate, connections, token lifetime', () => {
  let ctx: TestApp;
  let token: string;
  const probes: Probe[] = [];
  const open = (query = `?token=${encodeURIComponent(token)}`, options: WebSocket.ClientOptions = {}) => {
    const p = probe(`${ctx.baseUrl.replace(/^http/, 'ws')}/ws${query}`, options);
    probes.push(p);
    return p;
  };
  /** Resolves once the hub counts `n` authenticated clients. */
  const clients = async (n: number) => {
    const hub = ctx.app.get(DashboardHub);
    const deadline = Date.now() + 5000;
    while (hub.clients() !== n && Date.now() < deadline) await sleep(10);
    expect(hub.clients()).toBe(n);
  };

  beforeAll(async () => {
    ctx = await startTestApp({
      TRADING_PAIRS: 'BTCUSDT',
      WS_MAX_MESSAGES_PER_SECOND: '10',
      WS_MESSAGE_BURST: '20',
      WS_MAX_CONNECTIONS_PER_ADDRESS: '2',
      WS_MAX_CONNECTIONS_PER_PRINCIPAL: '3',
    });
    token = await loginToken(ctx.baseUrl);
  });
  afterEach(async () => {
    for (const p of probes.splice(0)) p.socket.terminate();
    await clients(0);
  });
  afterAll(() => ctx.close());

  it('should close a client flooding pings with 4429 after its burst, reading or not', async () => {
    const reader = open();
    await reader.opened;
    await clients(1);
    for (let i = 0; i < 200; i++) reader.socket.send(JSON.stringify({ op: 'ping' }));
    const ended = await within(reader.ended, 3000, 'close of the reading flooder');
    expect(ended).toMatchObject({ code: 4429, reason: 'Too many messages' });
    expect(ended.frames).toBeLessThanOrEqual(20); // at most one pong per message of the burst

    // One that never reads what we send (its TCP socket paused), with WebSocket-level ping frames.
    const deaf = open('', { headers: { authorization: `Bearer ${token}` } });
    await deaf.opened;
    await clients(1);
    (deaf.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 200; i++) deaf.socket.ping();
    await within(
      (async () => {
        while (ctx.app.get(DashboardHub).clients() > 0) await sleep(10);
      })(),
      3000,
      'the deaf flooder being dropped',
    );
    expect(ctx.app.get(DashboardHub).stats().closed.rate_limited).toBe(2);
  });

  it('should keep a client within its rate connected', async () => {
    const polite = open();
    await polite.opened;
    for (let i = 0; i < 15; i++) {
      polite.socket.send(JSON.stringify({ op: 'ping' }));
      await sleep(120); // ~8/s, under 10/s
    }
    await sleep(100);
    expect(polite.socket.readyState).toBe(WebSocket.OPEN);
    expect(polite.frames()).toBe(15);
  });

  it('should cap connections per address (before authentication) and per principal', async () => {
    const a1 = open();
    const a2 = open('?token=not-yet-verified-counts-too');
    const a3 = open();
    expect(await within(a3.ended, 3000, 'refusal of the third from one address')).toMatchObject({
      code: 4429,
      reason: 'Too many connections from this address',
    });
    await a1.opened;
    expect((await a2.ended).code).toBe(4401);

    // Same principal from other loopback addresses: 3 at most.
    const b1 = open(undefined, { localAddress: '127.0.0.2' });
    const b2 = open(undefined, { localAddress: '127.0.0.3' });
    await Promise.all([b1.opened, b2.opened]);
    await clients(3);
    const b3 = open(undefined, { localAddress: '127.0.0.3' });
    expect(await within(b3.ended, 3000, 'refusal of the fourth for one principal')).toMatchObject({
      code: 4429,
      reason: 'Too many connections for this principal',
    });
    expect(a1.socket.readyState).toBe(WebSocket.OPEN);
    expect(ctx.app.get(DashboardHub).stats().closed.too_many_connections).toBe(2);
  });

  it('should close a socket with 4401 when its token expires', async () => {
    const [, payload] = token.split('.');
    const { pwv } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { pwv: number };
    const signed = Date.now();
    const shortLived = await ctx.app.get(JwtService).signAsync({ sub: 'operator', pwv }, { expiresIn: 2 });
    const p = open(`?token=${shortLived}`);
    await p.opened;
    p.socket.send(JSON.stringify({ op: 'subscribe', channels: ['orderbook:BTCUSDT'] }));
    expect(await within(p.ended, 4000, 'close at expiry')).toMatchObject({ code: 4401, reason: 'Token expired' });
    // exp is whole seconds after iat (rounded down): expired at most 2 s after signing; then one hub tick.
    expect(Date.now() - signed).toBeLessThanOrEqual(2500);
  });

  // Last: it changes the password.
  it('should close the open sockets of a token revoked by a password change, promptly', async () => {
    const p = open();
    await p.opened;
    p.socket.send(JSON.stringify({ op: 'subscribe', channels: ['orderbook:BTCUSDT', 'orders', 'positions'] }));
    await sleep(300);
    const changed = await fetch(`${ctx.baseUrl}/auth/change-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'another-long-passphrase' }),
    });
    expect(changed.status).toBe(200);
    const started = Date.now();
    const framesAtChange = p.frames();
    const ended = await within(p.ended, 2000, 'close after the password change');
    expect(ended).toMatchObject({ code: 4401, reason: 'Token revoked' });
    expect(Date.now() - started).toBeLessThanOrEqual(1000);
    expect(ended.frames - framesAtChange).toBeLessThanOrEqual(3); // what was already in flight, at most
  });
});
