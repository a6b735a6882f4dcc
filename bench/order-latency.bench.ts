import { Test } from '@nestjs/testing';
import { RestClientV5 } from 'bybit-api';
import { createHmac } from 'node:crypto';
import { ExchangeModule, createRateLimiterRegistry } from '../src/exchange/exchange.module';
import { ExchangeRest } from '../src/exchange/exchange.port';
import { EXCHANGE_SETTINGS, ExchangeSettings } from '../src/exchange/exchange.settings';
import { ExchangeLimitHeaders, RateLimiterRegistry } from '../src/exchange/rate-limit/rate-limiter.registry';
import { loadAppConfig } from '../src/infra/config/app-config';
import { ConfigModule } from '../src/infra/config/config.module';
import { EventsModule } from '../src/infra/events/events.module';
import { startSimulator } from '../src/simulator/simulator-runtime';
import { percentile, rawOrderSender, table } from './support';

const SYMBOL = 'BTCUSDT';
const API_KEY = 'bench-order-key';
const API_SECRET = 'bench-order-secret';
const RECV_WINDOW = '5000';
/** One order every 125 ms (8/s) across all variants: under Bybit's (and the simulator's) 10/s per UID on /v5/order/create. */
const SLOT_MS = 125;
const WARM_UP_PER_VARIANT = 5;
/** The client as shipped is run alone first, for at most this many orders or until its first failure. */
const AS_SHIPPED_MAX_ORDERS = 48;
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

/** A variant sends one order and resolves with whether Bybit answered retCode 0; `http` variants take a pacing slot. */
type Variant = {
  readonly name: string;
  readonly http: boolean;
  readonly send: (order: OrderParams) => Promise<boolean>;
};

interface Samples {
  readonly name: string;
  readonly latenciesMs: number[];
  errors: number;
  /** Error message → count, to print what went wrong (no assertions). */
  readonly errorKinds: Map<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Round trip of one signed order create (Limit GTC Buy 30 % below the bid, so it rests; unique orderLinkId) on
 * loopback, against the simulator running in this same process. HTTP variants share one pacing clock, one order
 * every 125 ms in all (8/s, under the venue's 10/s per UID on /v5/order/create), and take turns:
 *   - the bot's client, ExchangeRest.placeOrder from ExchangeModule.forRoot() (RATE_LIMIT_SAFETY_FACTOR=1: Bottleneck
 *     trade limiter chained to the IP limiter, opossum breaker, bybit-api signing + axios, envelope parsing);
 *   - bybit-api's RestClientV5 configured as the bot configures it, without limiter and breaker;
 *   - raw node http (keep-alive agent), signed by hand as BYBIT.md §2 says (the baseline).
 * Plus, without HTTP, the limiter alone (a fresh RateLimiterRegistry, trade group, no-op task) once per round.
 *
 * The client as shipped stops refilling its trade limiter the first time the venue reports fewer requests left than
 * it holds tokens (RateLimiterRegistry.observe → Bottleneck updateSettings, which clears Bottleneck's reservoir
 * refresh timer: SGrondin/bottleneck#185), and then fails every order with RateLimitWaitExceeded after 2 s. So the
 * as-shipped client runs alone first, until that happens (bounded), and is reported on its own line; the timed
 * comparison uses a second client whose observe() is wrapped in this bench to skip that one reservoir shrink
 * (everything on the request path is unchanged).
 */
export async function orderLatencyBench(orders = 120): Promise<Record<string, number>> {
  const simulator = await startSimulator({
    port: 0,
    symbols: [SYMBOL],
    seed: 7,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
  });
  const config = loadAppConfig(
    {
      BYBIT_ENV: 'sim',
      SIM_PORT: String(simulator.port),
      METRICS_PORT: '0',
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
  const compile = () =>
    Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), EventsModule, ExchangeModule.forRoot()],
    }).compile();
  const asShippedModule = await compile();
  const benchModule = await compile();
  const limiterOnly = createRateLimiterRegistry(benchModule.get<ExchangeSettings>(EXCHANGE_SETTINGS));
  const raw = rawOrderSender(simulator.restUrl, { key: API_KEY, secret: API_SECRET, recvWindow: RECV_WINDOW });
  try {
    const asShipped = asShippedModule.get(ExchangeRest);
    const asShippedLimits = asShippedModule.get(RateLimiterRegistry);
    const client = benchModule.get(ExchangeRest);
    const clientLimits = benchModule.get(RateLimiterRegistry);
    const observe = clientLimits.observe.bind(clientLimits);
    // Skip only the "fewer left at the venue than our tokens" shrink (the Bottleneck#185 trigger); keep the rest.
    clientLimits.observe = (group: string, headers: ExchangeLimitHeaders) =>
      observe(group, headers.remaining > 0 ? { ...headers, remaining: Number.MAX_SAFE_INTEGER } : headers);
    await asShipped.getServerTime(); // the clock offset the client signs with (≈0: same machine)
    await client.getServerTime();
    const sdk = new RestClientV5({
      key: API_KEY,
      secret: API_SECRET,
      baseUrl: simulator.restUrl,
      recv_window: Number(RECV_WINDOW),
      enable_time_sync: false,
      parseAPIRateLimits: true,
      customSignMessageFn: (message: string, secret: string) =>
        Promise.resolve(createHmac('sha256', secret).update(message).digest('hex')),
    });
    const placeWith = (rest: ExchangeRest) => async (o: OrderParams) => {
      const ack = await rest.placeOrder({
        symbol: o.symbol,
        side: o.side,
        orderType: o.orderType,
        qty: o.qty,
        price: o.price,
        timeInForce: o.timeInForce,
        orderLinkId: o.orderLinkId,
      });
      return ack.orderId.length > 0;
    };
    const shippedVariant: Variant = {
      name: 'bot client as shipped (alone, until it fails)',
      http: true,
      send: placeWith(asShipped),
    };
    const variants: Variant[] = [
      { name: 'bot client: ExchangeRest.placeOrder *', http: true, send: placeWith(client) },
      {
        name: 'bybit-api RestClientV5.submitOrder',
        http: true,
        send: async (o) => ((await sdk.submitOrder(o)) as { retCode: number }).retCode === 0,
      },
      { name: 'raw node http, hand-signed (baseline)', http: true, send: raw.send },
      {
        name: 'limiter alone: schedule(trade, no-op), no HTTP',
        http: false,
        send: () => limiterOnly.schedule('trade', () => Promise.resolve(true)),
      },
    ];
    const all = [shippedVariant, ...variants];
    const samples = new Map<Variant, Samples>(
      all.map((v) => [v, { name: v.name, latenciesMs: [], errors: 0, errorKinds: new Map<string, number>() }]),
    );

    const bestBid = Number(simulator.venue.orderbook(SYMBOL, 1)?.b[0]?.[0] ?? '96000');
    const price = (Math.floor(bestBid * 0.7 * 10) / 10).toFixed(1); // 30 % below the bid: rests, never fills
    let sequence = 0;
    let active = 0;
    let nextSlot = performance.now();
    /** Sends one order with `variant`; true when it succeeded. */
    const runOne = async (variant: Variant, record: boolean): Promise<boolean> => {
      if (active >= CANCEL_AT_ACTIVE) {
        simulator.venue.cancelAll(SYMBOL, Date.now());
        active = 0;
      }
      if (variant.http) {
        const wait = nextSlot - performance.now();
        if (wait > 0) await sleep(wait);
        // Never burst to catch up: the next slot is a full interval after this send at the earliest.
        nextSlot = Math.max(nextSlot, performance.now()) + SLOT_MS;
      }
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
      let ok: boolean;
      let failure = 'retCode ≠ 0';
      try {
        ok = await variant.send(order);
      } catch (error) {
        ok = false;
        failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const elapsed = performance.now() - started;
      if (ok && variant.http) active++;
      if (!record) return ok;
      const sample = samples.get(variant) as Samples;
      if (ok) sample.latenciesMs.push(elapsed);
      else {
        sample.errors++;
        sample.errorKinds.set(failure, (sample.errorKinds.get(failure) ?? 0) + 1);
      }
      return ok;
    };

    // 1. The client as shipped, alone at 8/s, until its first failure (bounded).
    let shippedOk = 0;
    while (shippedOk < AS_SHIPPED_MAX_ORDERS && (await runOne(shippedVariant, true))) shippedOk++;
    const tradeStatus = async () => (await asShippedLimits.status()).find((s) => s.group === 'trade');
    const afterFailure = await tradeStatus();
    await sleep(1200); // more than one 1 s window: a working limiter would have refilled by now
    const later = await tradeStatus();

    // 2. The comparison, variants taking turns; the first in each round rotates so none always follows the same one.
    for (let i = 0; i < WARM_UP_PER_VARIANT; i++) for (const variant of variants) await runOne(variant, false);
    const began = performance.now();
    for (let round = 0; round < orders; round++) {
      for (let k = 0; k < variants.length; k++) await runOne(variants[(round + k) % variants.length], true);
    }
    const seconds = (performance.now() - began) / 1000;

    const stats = new Map(
      all.map((v) => {
        const s = samples.get(v) as Samples;
        const sorted = [...s.latenciesMs].sort((a, b) => a - b);
        const mean = sorted.reduce((sum, x) => sum + x, 0) / (sorted.length || 1);
        return [
          v,
          {
            ...s,
            p50: percentile(sorted, 50),
            p99: percentile(sorted, 99),
            mean,
            max: sorted[sorted.length - 1] ?? NaN,
          },
        ];
      }),
    );
    const get = (v: Variant) => stats.get(v) as NonNullable<ReturnType<typeof stats.get>>;
    const [bot, sdkOnly, rawHttp, limiter] = variants.map(get);
    for (const s of stats.values())
      for (const [kind, count] of s.errorKinds) console.log(`${s.name}: ${count} × ${kind}`);
    table(
      all.map(get).map((s) => ({
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
    const shipped = get(shippedVariant);
    console.log(
      shipped.errors === 0
        ? `bot client as shipped: ${shippedOk} orders at 8/s without a failure (its trade limiter was not starved this run)`
        : `bot client as shipped: ${shippedOk} orders OK, then ${[...shipped.errorKinds.keys()].join('; ')}; trade tokens left ${afterFailure?.tokensLeft} ` +
            `(venue reported ${afterFailure?.exchange?.remaining} left) and still ${later?.tokensLeft} 1.2 s later: the limiter no longer refills ` +
            `(RateLimiterRegistry.observe → Bottleneck updateSettings clears its refresh timer, SGrondin/bottleneck#185). ` +
            `* = a second client whose observe() skips that reservoir shrink; request path unchanged`,
    );
    console.log(
      `order create round trip, bot client / raw http = ${(bot.p50 / rawHttp.p50).toFixed(2)}× at p50 (${bot.p50.toFixed(2)} vs ${rawHttp.p50.toFixed(2)} ms), ` +
        `${(bot.p99 / rawHttp.p99).toFixed(2)}× at p99 (${bot.p99.toFixed(2)} vs ${rawHttp.p99.toFixed(2)} ms), ${(bot.mean / rawHttp.mean).toFixed(2)}× mean; ` +
        `bybit-api alone ${(sdkOnly.p50 / rawHttp.p50).toFixed(2)}× at p50, the limiter alone ${limiter.p50.toFixed(2)} ms p50 — ${orders} orders per variant, ` +
        `HTTP variants interleaved at 8 orders/s in all, ${seconds.toFixed(1)} s, loopback, simulator IN THE SAME PROCESS as the clients ` +
        `(its request handling is inside every variant's round trip)`,
    );
    return {
      clientP50: bot.p50,
      clientP99: bot.p99,
      sdkP50: sdkOnly.p50,
      rawP50: rawHttp.p50,
      rawP99: rawHttp.p99,
      limiterP50: limiter.p50,
      ratioP50: bot.p50 / rawHttp.p50,
      asShippedOk: shippedOk,
    };
  } finally {
    raw.agent.destroy();
    await limiterOnly.stop();
    await asShippedModule.close();
    await benchModule.close();
    simulator.venue.cancelAll(SYMBOL, Date.now());
    await simulator.stop();
  }
}
