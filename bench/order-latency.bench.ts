import { Test } from '@nestjs/testing';
import { RestClientV5 } from 'bybit-api';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { ExchangeModule } from '../src/exchange/exchange.module';
import { ExchangeRest } from '../src/exchange/exchange.port';
import { loadAppConfig } from '../src/infra/config/app-config';
import { ConfigModule } from '../src/infra/config/config.module';
import { EventsModule } from '../src/infra/events/events.module';
import { startSimulator } from '../src/simulator/simulator-runtime';
import { table } from './support';

const SYMBOL = 'BTCUSDT';
const API_KEY = 'bench-order-key';
const API_SECRET = 'bench-order-secret';
const RECV_WINDOW = '5000';
/** One order every 125 ms (8/s) across all variants: under Bybit's (and the simulator's) 10/s per UID on /v5/order/create. */
const SLOT_MS = 125;
const WARM_UP_PER_VARIANT = 5;
/** Cancel everything (in-process, not timed) before the account reaches Bybit's 500 active orders per symbol. */
const CANCEL_AT_ACTIVE = 450;

interface OrderParams {
  readonly category: 'linear';
  readonly symbol: string;
  readonly side: 'Buy';
  readonly orderType: 'Limit';
  readonly qty: string;
  readonly price: string;
  readonly timeInForce: 'GTC';
  readonly orderLinkId: string;
}

/** A variant sends one order and resolves with whether Bybit answered retCode 0. */
type Variant = { readonly name: string; readonly send: (order: OrderParams) => Promise<boolean> };

interface Samples {
  readonly name: string;
  readonly latenciesMs: number[];
  errors: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round2 = (value: number) => Math.round(value * 100) / 100;

/** POST /v5/order/create signed by hand (BYBIT.md §2): hex HMAC-SHA256(secret, timestamp + key + recvWindow + body). */
function rawOrderSender(restUrl: string): { send: (order: OrderParams) => Promise<boolean>; agent: Agent } {
  const url = new URL(`${restUrl}/v5/order/create`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (order: OrderParams) =>
    new Promise<boolean>((resolve, reject) => {
      const body = JSON.stringify(order);
      const timestamp = String(Date.now());
      const sign = createHmac('sha256', API_SECRET).update(`${timestamp}${API_KEY}${RECV_WINDOW}${body}`).digest('hex');
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'X-BAPI-API-KEY': API_KEY,
            'X-BAPI-TIMESTAMP': timestamp,
            'X-BAPI-RECV-WINDOW': RECV_WINDOW,
            'X-BAPI-SIGN': sign,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            try {
              const envelope = JSON.parse(text) as { retCode: number; result?: { orderId?: string } };
              resolve(res.statusCode === 200 && envelope.retCode === 0 && typeof envelope.result?.orderId === 'string');
            } catch {
              resolve(false);
            }
          });
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  return { send, agent };
}

/**
 * Round trip of one signed order create (Limit GTC Buy far below the market, so it rests; unique orderLinkId) on
 * loopback, against the simulator running in this same process:
 *   (a) the bot's client, ExchangeRest.placeOrder from ExchangeModule (rate limiter at safety factor 1, breaker,
 *       bybit-api signing + axios, envelope parsing);
 *   (b) the same bybit-api RestClientV5 configured as the bot configures it, without limiter and breaker;
 *   (c) raw node http (keep-alive) with the signature computed by hand.
 * The variants take turns, one order every 125 ms in all (≈8/s, under the venue's 10/s per UID), so every variant
 * sees the same pacing, the same simulator state and the same process; `orders` measured orders per variant.
 */
export async function orderLatencyBench(orders = 120): Promise<Record<string, number>> {
  const simulator = await startSimulator({ port: 0, symbols: [SYMBOL], seed: 7, apiKey: API_KEY, apiSecret: API_SECRET });
  const config = loadAppConfig(
    {
      BYBIT_ENV: 'sim',
      SIM_PORT: String(simulator.port),
      TRADING_PAIRS: SYMBOL,
      BYBIT_API_KEY: API_KEY,
      BYBIT_API_SECRET: API_SECRET,
      RATE_LIMIT_SAFETY_FACTOR: '1',
      APP_PASSWORD: 'bench-password-123456',
      SECRET_KEY: 'b'.repeat(64),
      LOG_STDOUT: 'false',
    },
    { dotenvPath: false },
  );
  // Compiled but not initialised: no market/private streams, no background clock sync; just the REST client.
  const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), EventsModule, ExchangeModule.forRoot()] }).compile();
  const raw = rawOrderSender(simulator.restUrl);
  try {
    const rest = moduleRef.get(ExchangeRest);
    await rest.getServerTime(); // the clock offset the client signs with (≈0: same machine)
    const sdk = new RestClientV5({
      key: API_KEY,
      secret: API_SECRET,
      baseUrl: simulator.restUrl,
      recv_window: Number(RECV_WINDOW),
      enable_time_sync: false,
      parseAPIRateLimits: true,
      customSignMessageFn: (message: string, secret: string) => Promise.resolve(createHmac('sha256', secret).update(message).digest('hex')),
    });
    const variants: Variant[] = [
      {
        name: 'bot client: ExchangeRest.placeOrder',
        send: async (o) => {
          const ack = await rest.placeOrder({ symbol: o.symbol, side: o.side, orderType: o.orderType, qty: o.qty, price: o.price, timeInForce: o.timeInForce, orderLinkId: o.orderLinkId });
          return ack.orderId.length > 0;
        },
      },
      {
        name: 'bybit-api RestClientV5.submitOrder (no limiter/breaker)',
        send: async (o) => ((await sdk.submitOrder(o)) as { retCode: number }).retCode === 0,
      },
      { name: 'raw node http, hand-signed', send: raw.send },
    ];
    const samples: Samples[] = variants.map((v) => ({ name: v.name, latenciesMs: [], errors: 0 }));

    const bestBid = Number(simulator.venue.orderbook(SYMBOL, 1)?.b[0]?.[0] ?? '96000');
    const price = (Math.floor(bestBid * 0.7 * 10) / 10).toFixed(1); // 30 % below the bid: rests, never fills
    let sequence = 0;
    let active = 0;
    let nextSlot = performance.now();
    const runOne = async (variantIndex: number, record: boolean) => {
      if (active >= CANCEL_AT_ACTIVE) {
        simulator.venue.cancelAll(SYMBOL, Date.now());
        active = 0;
      }
      const wait = nextSlot - performance.now();
      if (wait > 0) await sleep(wait);
      // Never burst to catch up: the next slot is a full interval after this send at the earliest.
      nextSlot = Math.max(nextSlot, performance.now()) + SLOT_MS;
      const order: OrderParams = {
        category: 'linear',
        symbol: SYMBOL,
        side: 'Buy',
        orderType: 'Limit',
        qty: '0.001',
        price,
        timeInForce: 'GTC',
        orderLinkId: `bench-${process.pid}-${Date.now().toString(36)}-${sequence++}`,
      };
      const started = performance.now();
      let ok = false;
      try {
        ok = await variants[variantIndex].send(order);
      } catch {
        ok = false;
      }
      const elapsed = performance.now() - started;
      if (ok) active++;
      if (!record) return;
      if (ok) samples[variantIndex].latenciesMs.push(elapsed);
      else samples[variantIndex].errors++;
    };

    for (let i = 0; i < WARM_UP_PER_VARIANT; i++) for (let v = 0; v < variants.length; v++) await runOne(v, false);
    const began = performance.now();
    // Rotate which variant goes first in each round, so none always follows the same neighbour.
    for (let round = 0; round < orders; round++) {
      for (let k = 0; k < variants.length; k++) await runOne((round + k) % variants.length, true);
    }
    const seconds = (performance.now() - began) / 1000;

    const stats = samples.map((s) => {
      const sorted = [...s.latenciesMs].sort((a, b) => a - b);
      const mean = sorted.reduce((sum, x) => sum + x, 0) / (sorted.length || 1);
      return { ...s, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, max: sorted[sorted.length - 1] ?? NaN };
    });
    const [client, sdkOnly, rawHttp] = stats;
    table(
      stats.map((s) => ({
        variant: s.name,
        orders: s.latenciesMs.length,
        errors: s.errors,
        'p50 ms': round2(s.p50),
        'p99 ms': round2(s.p99),
        'mean ms': round2(s.mean),
        'max ms': round2(s.max),
        'p50 / raw': round2(s.p50 / rawHttp.p50),
      })),
    );
    console.log(
      `order create round trip, bot client / raw http = ${(client.p50 / rawHttp.p50).toFixed(2)}× at p50 (${client.p50.toFixed(2)} vs ${rawHttp.p50.toFixed(2)} ms), ` +
        `${(client.p99 / rawHttp.p99).toFixed(2)}× at p99 (${client.p99.toFixed(2)} vs ${rawHttp.p99.toFixed(2)} ms), ${(client.mean / rawHttp.mean).toFixed(2)}× mean; ` +
        `of which bybit-api alone ${(sdkOnly.p50 / rawHttp.p50).toFixed(2)}× at p50 — ${orders} orders per variant, variants interleaved at 8 orders/s in all, ` +
        `${seconds.toFixed(1)} s, loopback, simulator IN THE SAME PROCESS as the clients (its work is in every variant's latency)`,
    );
    return { clientP50: client.p50, clientP99: client.p99, sdkP50: sdkOnly.p50, rawP50: rawHttp.p50, rawP99: rawHttp.p99, ratioP50: client.p50 / rawHttp.p50 };
  } finally {
    raw.agent.destroy();
    await moduleRef.close();
    simulator.venue.cancelAll(SYMBOL, Date.now());
    await simulator.stop();
  }
}
