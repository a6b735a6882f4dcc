import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { BotLifecycleService } from '../src/bot/bot-lifecycle.service';
import { fromUnits } from '../src/common/ticks';
import { ExchangeRest } from '../src/exchange/exchange.port';
import type { OrderAck, PlaceOrderRequest } from '../src/exchange/exchange.types';
import { InstrumentsService } from '../src/exchange/instruments.service';
import { RateLimiterRegistry } from '../src/exchange/rate-limit/rate-limiter.registry';
import { ExecutionStatsRecorder } from '../src/execution/domain/execution-stats';
import { LivePositions } from '../src/execution/domain/live-positions';
import { OrderStateMachine, ORDER_TRANSITIONS } from '../src/execution/domain/order.fsm';
import { PositionStateMachine, POSITION_TRANSITIONS } from '../src/execution/domain/position.fsm';
import { transitionRecord } from '../src/execution/domain/state-machine';
import type { OrderStatus, StateTransitionRecord } from '../src/execution/entities/order.entity';
import { OrderEntity } from '../src/execution/entities/order.entity';
import type { PositionStatus } from '../src/execution/entities/position.entity';
import { PositionEntity } from '../src/execution/entities/position.entity';
import { TradeEntity } from '../src/execution/entities/trade.entity';
import { DuplicateClientOrderIdError } from '../src/execution/execution.errors';
import { ExecutionService } from '../src/execution/execution.service';
import { OrderRepository } from '../src/execution/order.repository';
import type { NewOpeningPosition } from '../src/execution/position.repository';
import { loadAppConfig } from '../src/infra/config/app-config';
import { dataSourceOptions, runMigrations } from '../src/infra/database/data-source';
import { OrderBookService } from '../src/order-book/order-book.service';
import { EntryRiskGate } from '../src/risk/domain/entry-risk-gate';
import { SimulatorHost } from '../src/simulator/simulator-host.service';
import { V5Server } from '../src/simulator/v5/v5-server';
import { copyFeatures, type FeatureValues, type Signal } from '../src/strategy/domain/signal';
import type { FeatureSource, Strategy, StrategyInput } from '../src/strategy/domain/strategy';
import { StrategyService } from '../src/strategy/strategy.service';
import { TradingMetricsCollector } from '../src/metrics/trading-metrics.collector';
import { aSignal, SIGNAL_METRICS } from '../test/factories/signal.factory';
import { freePort, percentile, rawOrderSender, table } from './support';

/**
 * The execution path's budget (issue: "signal-to-order-sent in-process p50 ≤ 200 µs, p99 ≤ 1 ms, excluding the
 * network, against the simulator on loopback; FSM transition ≤ 1 µs; idempotency check + Pending insert p99 ≤ 5 ms
 * on local PostgreSQL"). Every figure comes with a reference measured in the same run; nothing is asserted.
 *
 *   1. FSM: restore(status, history).transition(to, cause) and canTransitionTo, vs a bare switch doing the same check.
 *   2. Write-ahead: OrderRepository.insertEntry (Opening position + Pending order, one statement; the unique
 *      orderLinkId is the idempotency check), its duplicate path, vs `SELECT 1` and a one-row autocommit INSERT (the
 *      commit floor of this disk) on the same pool.
 *   4. Signal → order sent: the whole app (createApp, BYBIT_ENV=sim in process, PostgreSQL). Each signal is raised
 *      inside a book frame: the strategy's evaluate (wrapped) returns it and the pipeline hands it to
 *      ExecutionService.onSignal in that same turn, as in production; a share comes from a timer instead, and a
 *      share runs with the limiter's fast path off (RateLimiterRegistry.setFastPath(false)), so both are compared
 *      within the run. Reference: a raw hand-signed POST /v5/order/create to the same simulator.
 *   3. The rate limiter alone: schedule(trade, no-op) with tokens left, fast path vs Bottleneck's own path.
 *
 * Timing hooks are bench-only instance wrappers (nothing in src/ is changed for them): OrderRepository.insertEntry,
 * ExchangeRest.placeOrder, ExecutionService.onSignal, EntryRiskGate.checkEntry, the strategy's evaluate and
 * ExecutionStatsRecorder.recordSent of the app's own instances, and a 'request'
 * listener plus a preHandler hook on the in-process simulator's HTTP server (V5Server.listen wrapped before boot).
 */

const round = (value: number, digits = 2) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Dist {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

function dist(samples: readonly number[]): Dist {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean,
  };
}

// ------------------------------------------------------------------------------------------ 1. state machines

const T0 = Date.UTC(2025, 0, 1);

/** A history that ends in `to`, as a persisted row would carry it: creation, then the moves along `path`. */
function historyThrough(path: readonly string[]): StateTransitionRecord[] {
  const records: StateTransitionRecord[] = [];
  let from: string | null = null;
  for (const to of path) {
    records.push(transitionRecord(from, to, { cause: 'bench', atMs: T0, traceId: 'bench-trace' }));
    from = to;
  }
  return records;
}

const ORDER_MOVES: ReadonlyArray<{ from: OrderStatus; to: OrderStatus; history: StateTransitionRecord[] }> = [
  { from: 'Pending', to: 'Placed', history: historyThrough(['Pending']) },
  { from: 'Placed', to: 'PartiallyFilled', history: historyThrough(['Pending', 'Placed']) },
  { from: 'PartiallyFilled', to: 'PartiallyFilled', history: historyThrough(['Pending', 'Placed', 'PartiallyFilled']) },
  { from: 'PartiallyFilled', to: 'Filled', history: historyThrough(['Pending', 'Placed', 'PartiallyFilled']) },
  { from: 'Pending', to: 'Filled', history: historyThrough(['Pending']) },
  { from: 'Placed', to: 'Cancelled', history: historyThrough(['Pending', 'Placed']) },
  { from: 'Pending', to: 'Failed', history: historyThrough(['Pending']) },
  { from: 'Placed', to: 'Rejected', history: historyThrough(['Pending', 'Placed']) },
];

const POSITION_MOVES: ReadonlyArray<{ from: PositionStatus; to: PositionStatus; history: StateTransitionRecord[] }> = [
  { from: 'Opening', to: 'Open', history: historyThrough(['Opening']) },
  { from: 'Open', to: 'Closing', history: historyThrough(['Opening', 'Open']) },
  { from: 'Closing', to: 'Closed', history: historyThrough(['Opening', 'Open', 'Closing']) },
  { from: 'Closing', to: 'Open', history: historyThrough(['Opening', 'Open', 'Closing']) },
  { from: 'Open', to: 'Open', history: historyThrough(['Opening', 'Open']) },
  { from: 'Opening', to: 'Closed', history: historyThrough(['Opening']) },
];

/** The baseline: the same validity rule as ORDER_TRANSITIONS written as a switch, then a field assignment. */
function bareOrderMove(holder: { status: OrderStatus }, to: OrderStatus): void {
  let ok: boolean;
  switch (holder.status) {
    case 'Pending':
      ok =
        to === 'Placed' ||
        to === 'PartiallyFilled' ||
        to === 'Filled' ||
        to === 'Cancelled' ||
        to === 'Rejected' ||
        to === 'Failed';
      break;
    case 'Placed':
      ok = to === 'PartiallyFilled' || to === 'Filled' || to === 'Cancelled' || to === 'Rejected';
      break;
    case 'PartiallyFilled':
      ok = to === 'PartiallyFilled' || to === 'Filled' || to === 'Cancelled';
      break;
    default:
      ok = false;
  }
  if (!ok) throw new Error(`bad move ${holder.status} → ${to}`);
  holder.status = to;
}

function barePositionMove(holder: { status: PositionStatus }, to: PositionStatus): void {
  let ok: boolean;
  switch (holder.status) {
    case 'Opening':
      ok = to === 'Open' || to === 'Closed';
      break;
    case 'Open':
      ok = to === 'Closing' || to === 'Open';
      break;
    case 'Closing':
      ok = to === 'Closed' || to === 'Open';
      break;
    default:
      ok = false;
  }
  if (!ok) throw new Error(`bad move ${holder.status} → ${to}`);
  holder.status = to;
}

/** ns per call of `body` over `n` iterations (the loop and closure call are in every variant alike). */
function nsPerOp(n: number, body: (i: number) => number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += body(i);
  const elapsed = Number(process.hrtime.bigint() - started);
  if (sink === -1) console.log('unreachable'); // keeps `sink` alive
  return elapsed / n;
}

interface FsmRow {
  readonly name: string;
  readonly ns: number;
}

export function fsmBench(iterations = 1_000_000, rounds = 5): Array<Record<string, string | number>> {
  const orderCause = (i: number) => ({ cause: 'create acknowledged', atMs: T0 + i, traceId: 'bench-trace' });
  const variants: Array<{ name: string; body: (i: number) => number }> = [
    {
      name: 'order: restore(status, history).transition(to, cause)',
      body: (i) => {
        const move = ORDER_MOVES[i & 7];
        return OrderStateMachine.restore(move.from, move.history).transition(move.to, orderCause(i)).to.length;
      },
    },
    {
      name: 'order: canTransitionTo (restored machine, 7 targets)',
      body: (() => {
        const machines = ORDER_MOVES.map((m) => OrderStateMachine.restore(m.from, m.history));
        const targets = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];
        return (i: number) => (machines[i & 7].canTransitionTo(targets[i % 7]) ? 1 : 0);
      })(),
    },
    {
      name: 'order baseline: bare switch check + assignment',
      body: (i) => {
        const move = ORDER_MOVES[i & 7];
        const holder = { status: move.from };
        bareOrderMove(holder, move.to);
        return holder.status.length;
      },
    },
    {
      name: 'reference: the history record alone (new Date(atMs).toISOString() + object)',
      body: (i) => {
        const move = ORDER_MOVES[i & 7];
        return transitionRecord(move.from, move.to, orderCause(i)).at.length;
      },
    },
    {
      name: 'position: restore(status, history).transition(to, cause)',
      body: (i) => {
        const move = POSITION_MOVES[i % 6];
        return PositionStateMachine.restore(move.from, move.history).transition(move.to, orderCause(i)).to.length;
      },
    },
    {
      name: 'position: canTransitionTo (restored machine, 4 targets)',
      body: (() => {
        const machines = POSITION_MOVES.map((m) => PositionStateMachine.restore(m.from, m.history));
        const targets = Object.keys(POSITION_TRANSITIONS) as PositionStatus[];
        return (i: number) => (machines[i % 6].canTransitionTo(targets[i & 3]) ? 1 : 0);
      })(),
    },
    {
      name: 'position baseline: bare switch check + assignment',
      body: (i) => {
        const move = POSITION_MOVES[i % 6];
        const holder = { status: move.from };
        barePositionMove(holder, move.to);
        return holder.status.length;
      },
    },
  ];
  for (const v of variants) nsPerOp(200_000, v.body); // warm-up: every variant optimised before timing
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  // Rounds interleave the variants so drift in machine load hits all of them; the median round is reported.
  for (let r = 0; r < rounds; r++) for (const v of variants) samples.get(v.name)!.push(nsPerOp(iterations, v.body));
  const rows: FsmRow[] = variants.map((v) => ({ name: v.name, ns: dist(samples.get(v.name)!).p50 }));
  const ns = (name: string) => rows.find((r) => r.name.startsWith(name))!.ns;
  const orderBase = ns('order baseline');
  const positionBase = ns('position baseline');
  const out = rows.map((r) => ({
    variant: r.name,
    'ns/op (median of rounds)': round(r.ns, 1),
    'µs/op': round(r.ns / 1000, 3),
    '/ bare switch': round(r.ns / (r.name.startsWith('position') ? positionBase : orderBase), 1),
  }));
  table(out);
  console.log(
    `FSM: ${iterations.toLocaleString('en')} iterations × ${rounds} interleaved rounds per variant after warm-up; order transition ${round(ns('order: restore'), 1)} ns ` +
      `(${round(ns('order: restore') / orderBase, 1)}× a bare switch, ${round(ns('order: restore') / ns('reference'), 2)}× the history record alone), ` +
      `position transition ${round(ns('position: restore'), 1)} ns (${round(ns('position: restore') / positionBase, 1)}× bare). Target ≤ 1 µs per transition.`,
  );
  return out;
}

// ------------------------------------------------------------------------------------------ databases

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

interface Scratch {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh migrated database on the server of DATABASE_URL (else local postgres), dropped by drop(). */
export async function scratchDatabase(tag: string): Promise<Scratch> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let admin = base;
  const client = async () => {
    const c = new Client({ connectionString: admin });
    await c.connect();
    return c;
  };
  let c: Client;
  try {
    c = await client();
  } catch (error) {
    // The named database may not exist yet (e.g. no `test` database): administer through `postgres`.
    if ((error as { code?: string }).code !== '3D000') throw error;
    admin = withDatabase(base, 'postgres');
    c = await client();
  }
  const name = `bench_exec_${tag}_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  } finally {
    await c.end();
  }
  const url = withDatabase(base, name);
  await runMigrations(url);
  return {
    url,
    drop: async () => {
      const d = await client();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${d.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

// ------------------------------------------------------------------------------------------ 2. write-ahead

/** The two rows EntryExecutor writes for a signal (same fields, same JSON sizes). */
function entryRows(
  signalId: string,
  atMs: number,
): [NewOpeningPosition, Parameters<OrderRepository['insertEntry']>[1]] {
  const traceId = signalId;
  const signal = {
    id: signalId,
    type: 'BUY',
    strategy: 'imbalance',
    side: 'Buy',
    strength: 0.5,
    reason: 'bench',
    price: '96000.0',
    atMs,
  };
  return [
    {
      symbol: 'BTCUSDT',
      side: 'Buy',
      quantity: '0',
      takeProfit: '96288.0',
      stopLoss: '95808.0',
      entryReason: 'imbalance 0.80 ≥ 0.75',
      signalData: signal,
      entryMarketData: { ...SIGNAL_METRICS, bookU: 1, bookSeq: 1 },
      entryIndicators: null,
      traceId,
      stateHistory: PositionStateMachine.create({ cause: `signal ${signalId}`, atMs, traceId }).history,
    },
    {
      clientOrderId: `E${signalId}`,
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      timeInForce: 'IOC',
      quantity: '0.001',
      price: null,
      reason: 'imbalance 0.80 ≥ 0.75',
      traceId,
      stateHistory: OrderStateMachine.create({ cause: `signal ${signalId}`, atMs, traceId }).history,
    },
  ];
}

export async function writeAheadBench(inserts = 2000): Promise<Record<string, number>> {
  const scratch = await scratchDatabase('wal');
  const source = new DataSource({
    ...dataSourceOptions(scratch.url, 10),
    entities: [OrderEntity, PositionEntity, TradeEntity],
  });
  await source.initialize();
  try {
    const repository = new OrderRepository(source.getRepository(OrderEntity));
    const run = Date.now().toString(36);
    const insertMs: number[] = [];
    const duplicateMs: number[] = [];
    const select1Ms: number[] = [];
    const floorMs: number[] = [];
    // The commit floor: the smallest durable write (one row, one index, autocommit) on the same pool and disk.
    await source.query('CREATE TABLE bench_commit_floor (id bigserial PRIMARY KEY)');
    let duplicatesRefused = 0;
    let otherErrors = 0;
    const warmUp = 100;
    for (let i = 0; i < warmUp + inserts; i++) {
      const record = i >= warmUp;
      const [position, order] = entryRows(`b${run}-${i}`, Date.now());
      let t = performance.now();
      await repository.insertEntry(position, order);
      if (record) insertMs.push(performance.now() - t);
      t = performance.now();
      await source.query('SELECT 1');
      if (record) select1Ms.push(performance.now() - t);
      t = performance.now();
      await source.query('INSERT INTO bench_commit_floor DEFAULT VALUES');
      if (record) floorMs.push(performance.now() - t);
      if (i % 2 === 0) {
        // The same orderLinkId again (a replayed signal): refused by uq_orders_client_order_id, position included.
        t = performance.now();
        try {
          await repository.insertEntry(position, order);
          otherErrors++;
        } catch (error) {
          if (error instanceof DuplicateClientOrderIdError) duplicatesRefused++;
          else otherErrors++;
        }
        if (record) duplicateMs.push(performance.now() - t);
      }
    }
    const [positions] = (await source.query(`SELECT count(*)::int AS n FROM positions`)) as Array<{ n: number }>;
    const ins = dist(insertMs);
    const dup = dist(duplicateMs);
    const sel = dist(select1Ms);
    const floor = dist(floorMs);
    const rows: Array<[string, Dist]> = [
      ['insertEntry (Opening position + Pending order, 1 statement)', ins],
      ['insertEntry duplicate orderLinkId → DuplicateClientOrderIdError', dup],
      ['baseline: one-row INSERT, autocommit (the commit floor)', floor],
      ['baseline: SELECT 1 on the same pool', sel],
    ];
    table(
      rows.map(([name, x]) => {
        return {
          variant: name,
          n: x.n,
          'p50 ms': round(x.p50, 3),
          'p99 ms': round(x.p99, 3),
          'max ms': round(x.max, 3),
          'mean ms': round(x.mean, 3),
          'p50 / SELECT 1': round(x.p50 / sel.p50, 2),
          'p99 / SELECT 1': round(x.p99 / sel.p99, 2),
          'p99 / commit floor': round(x.p99 / floor.p99, 2),
        };
      }),
    );
    console.log(
      `write-ahead: ${inserts} inserts (after ${warmUp} warm-up), ${duplicateMs.length} duplicates refused as DuplicateClientOrderIdError ` +
        `(${duplicatesRefused} in all, ${otherErrors} unexpected outcomes), ${positions.n} positions rows for ${warmUp + inserts} entries (a refused duplicate writes no position); ` +
        `insert p50 ${round(ins.p50, 3)} ms = ${round(ins.p50 / sel.p50, 2)}× SELECT 1, p99 ${round(ins.p99, 3)} ms (target p99 ≤ 5 ms) = ${round(ins.p99 / floor.p99, 2)}× the commit floor's p99 (${round(floor.p99, 3)} ms); ` +
        `PostgreSQL at ${new URL(scratch.url).host}, pool of 10, one client at a time`,
    );
    return {
      insertP50: ins.p50,
      insertP99: ins.p99,
      duplicateP50: dup.p50,
      duplicateP99: dup.p99,
      select1P50: sel.p50,
      commitFloorP99: floor.p99,
    };
  } finally {
    await source.destroy();
    await scratch.drop();
  }
}

// ------------------------------------------------------------------------------------------ 3. signal → order sent

const QUIET_STRATEGY = {
  IMBALANCE_BUY_THRESHOLD: '1',
  IMBALANCE_SELL_THRESHOLD: '0',
  MIN_CLUSTER_VOLUME: '1000000000000',
};
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const READY_TIMEOUT_MS = 60_000;
const SIM_KEY = 'bench-exec-key';
const SIM_SECRET = 'bench-exec-secret';
const RECV_WINDOW = '5000';

/** Simulator-side arrival times, by orderLinkId: when node's HTTP server emitted 'request' for the create. */
const arrivals = new Map<string, number>();
const requestSeenAt = new WeakMap<IncomingMessage, number>();

/**
 * Wraps V5Server.listen (bench only, before the app boots the in-process simulator): a 'request' listener placed
 * first on the raw node server stamps each POST /v5/order/create as soon as its headers are parsed, and a fastify
 * preHandler (the raw body text is there by then) files that stamp under the order's orderLinkId.
 */
function hookSimulatorArrivals(): () => void {
  const original = V5Server.prototype.listen;
  V5Server.prototype.listen = function listen(this: V5Server, port: number, host?: string): Promise<number> {
    this.http.server.prependListener('request', (req: IncomingMessage) => {
      if (req.method === 'POST' && req.url?.startsWith('/v5/order/create')) requestSeenAt.set(req, performance.now());
    });
    this.http.addHook('preHandler', async (req) => {
      const seen = requestSeenAt.get(req.raw);
      if (seen === undefined || typeof req.body !== 'string') return;
      const link = /"orderLinkId"\s*:\s*"([^"]+)"/.exec(req.body)?.[1];
      if (link) arrivals.set(link, seen);
    });
    return original.call(this, port, host);
  };
  return () => {
    V5Server.prototype.listen = original;
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let signalSequence = 0;

function benchSignal(symbol: string, side: 'Buy' | 'Sell', price: string, features: FeatureValues | undefined): Signal {
  signalSequence += 1;
  const signal = aSignal({ id: `bx-${Date.now().toString(36)}-${signalSequence}`, symbol, side, price });
  // The feature vector rides in every real signal's context (and so in the write-ahead and the audit).
  return features ? { ...signal, context: { ...signal.context, features } } : signal;
}

interface PerSignal {
  /** onSignal entered → ExchangeRest.placeOrder entered. */
  readonly toPlaceOrder: number;
  /** What the app itself recorded as signalToSendMs (after placeOrder returned its promise). */
  readonly appSignalToSend: number;
  /** insertEntry entered → its promise settled (the one await before the send). */
  readonly insert: number;
  /** onSignal entered → insertEntry entered. */
  readonly beforeInsert: number;
  /** insertEntry settled → placeOrder entered. */
  readonly afterInsert: number;
  /** EntryRiskGate.checkEntry, inside (c1). */
  readonly risk: number;
  /** placeOrder entered → the simulator's HTTP server received the request. */
  readonly toSimulator: number;
  /** placeOrder entered → acknowledged. */
  readonly roundTrip: number;
  /** Metrics instrumentation (event subscribers, timing hooks) attached for this signal. */
  readonly metrics: boolean;
  /** The on/off block this signal belongs to (blocks alternate: even on, odd off). */
  readonly metricsBlock: number;
  /** Whether the limiter's fast path was on for this signal. */
  readonly fast: boolean;
  /** Where the signal came from: inside a book frame (as the strategy emits it) or a timer on an idle loop. */
  readonly trigger: Trigger;
}

/**
 * 'frame': the strategy's evaluate (wrapped) returns the signal inside a book update, and the pipeline itself hands
 * it to ExecutionService.onSignal in that turn, as in production. 'timer': the bench calls onSignal from a timer
 * callback on an otherwise idle event loop (how the first version of this bench did it).
 */
type Trigger = 'frame' | 'timer';

interface Fired {
  readonly signal: Signal;
  readonly t0: number;
  readonly outcome: string;
  readonly work: Promise<void> | undefined;
}

export async function signalToSendBench(
  signals = 200,
  bottleneckSignals = 60,
  timerSignals = 60,
  paceMs = 650,
): Promise<Record<string, number>> {
  const scratch = await scratchDatabase('app');
  const dir = mkdtempSync(join(tmpdir(), 'bench-execution-'));
  chmodSync(dir, 0o755);
  const unhook = hookSimulatorArrivals();
  let app: NestFastifyApplication | undefined;
  let raw: ReturnType<typeof rawOrderSender> | undefined;
  try {
    const config = loadAppConfig(
      {
        APP_PASSWORD: 'bench-password-123456',
        SECRET_KEY: 'e'.repeat(64),
        DATABASE_URL: scratch.url,
        DATA_DIR: join(dir, 'data'),
        LOG_DIR: join(dir, 'logs'),
        LOG_STDOUT: 'false',
        LOG_LEVEL: 'warn',
        BYBIT_ENV: 'sim',
        SIM_PORT: String(await freePort()),
        METRICS_PORT: '0',
        SIM_API_KEY: SIM_KEY,
        SIM_API_SECRET: SIM_SECRET,
        TRADING_PAIRS: SYMBOLS.join(','),
        ...QUIET_STRATEGY,
        MAX_HOLD_SECONDS: '1',
        TAKE_PROFIT_PCT: '5',
        STOP_LOSS_PCT: '5',
        RATE_LIMIT_MAX_WAIT_MS: '10000',
      },
      { dotenvPath: false },
    );
    app = await createApp(config, scratch.url);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const appUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const response = await fetch(`${appUrl}/health/ready`).catch(() => undefined);
      if (response?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`/health/ready not 200 within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    await app.get(BotLifecycleService).start('bench');
    const execution = app.get(ExecutionService);
    const live = app.get(LivePositions);
    const books = app.get(OrderBookService);
    const instruments = app.get(InstrumentsService);
    const limits = app.get(RateLimiterRegistry);
    const simulator = app.get(SimulatorHost).simulator;
    if (!simulator) throw new Error('the simulator is not in process');
    const metrics = app.get(TradingMetricsCollector);
    raw = rawOrderSender(simulator.restUrl, { key: SIM_KEY, secret: SIM_SECRET, recvWindow: RECV_WINDOW });

    // Bench-only instance wrappers (the app's own singletons); the code paths themselves are untouched.
    const insertStarted = new Map<string, number>();
    const insertEnded = new Map<string, number>();
    const placeCalled = new Map<string, number>();
    const acked = new Map<string, number>();
    const orders = app.get(OrderRepository);
    const insertEntry = orders.insertEntry.bind(orders);
    orders.insertEntry = async (position, order) => {
      insertStarted.set(order.clientOrderId, performance.now());
      try {
        return await insertEntry(position, order);
      } finally {
        insertEnded.set(order.clientOrderId, performance.now());
      }
    };
    const rest = app.get(ExchangeRest);
    const placeOrder = rest.placeOrder.bind(rest);
    rest.placeOrder = (req: PlaceOrderRequest): Promise<OrderAck> => {
      placeCalled.set(req.orderLinkId ?? '', performance.now());
      const pending = placeOrder(req);
      void pending.then(
        () => acked.set(req.orderLinkId ?? '', performance.now()),
        () => undefined,
      );
      return pending;
    };
    const risk = app.get(EntryRiskGate);
    const checkEntry = risk.checkEntry.bind(risk);
    let lastRisk = NaN;
    risk.checkEntry = (...args: Parameters<EntryRiskGate['checkEntry']>) => {
      const t = performance.now();
      const decision = checkEntry(...args);
      lastRisk = performance.now() - t;
      return decision;
    };
    const stats = app.get(ExecutionStatsRecorder);
    const recordSent = stats.recordSent.bind(stats);
    let lastSent = NaN;
    stats.recordSent = (ms: number) => {
      lastSent = ms;
      recordSent(ms);
    };

    // Signals enter where the strategy's do: the wrapped evaluate returns the armed signal inside a book frame and
    // the pipeline calls ExecutionService.onSignal with it in the same turn; timer signals call onSignal directly.
    const strategy = app.get(StrategyService).strategy as { evaluate: Strategy['evaluate'] };
    const evaluate = strategy.evaluate.bind(strategy);
    let armed: { readonly symbol: string; readonly side: 'Buy' | 'Sell' } | null = null;
    const lastFeatures = new Map<string, { source: FeatureSource | undefined; names: readonly string[] | undefined }>();
    strategy.evaluate = (input: StrategyInput) => {
      lastFeatures.set(input.symbol, { source: input.features, names: input.featureNames });
      const want = armed;
      if (!want || want.symbol !== input.symbol) return evaluate(input);
      const ticks = want.side === 'Buy' ? input.book.bestAsk : input.book.bestBid;
      if (!Number.isFinite(ticks)) return evaluate(input);
      armed = null;
      return benchSignal(
        want.symbol,
        want.side,
        fromUnits(ticks, instruments.require(want.symbol).tickSize),
        copyFeatures(input.features?.vector(), input.featureNames),
      );
    };
    let fired: ((event: Fired) => void) | null = null;
    const onSignal = execution.onSignal.bind(execution);
    execution.onSignal = (...[signal, done, book]: Parameters<ExecutionService['onSignal']>) => {
      const t0 = performance.now();
      let work: Promise<void> | undefined;
      const outcome = onSignal(
        signal,
        (w) => {
          work = w;
          done?.(w);
        },
        book,
      );
      fired?.({ signal, t0, outcome, work });
      return outcome;
    };
    const fire = async (trigger: Trigger, symbol: string, side: 'Buy' | 'Sell'): Promise<Fired | undefined> => {
      const event = new Promise<Fired>((resolve) => (fired = resolve));
      if (trigger === 'frame') {
        armed = { symbol, side };
      } else {
        const book = books.book(symbol);
        const ticks = side === 'Buy' ? book?.bestAsk : book?.bestBid;
        if (ticks === undefined || !Number.isFinite(ticks)) return undefined;
        const features = lastFeatures.get(symbol);
        execution.onSignal(
          benchSignal(
            symbol,
            side,
            fromUnits(ticks, instruments.require(symbol).tickSize),
            copyFeatures(features?.source?.vector(), features?.names),
          ),
        );
      }
      const timeout = sleep(5_000).then(() => undefined);
      const result = await Promise.race([event, timeout]);
      fired = null;
      armed = null;
      return result;
    };

    const all: PerSignal[] = [];
    const rawRoundTrip: number[] = [];
    const rawToSimulator: number[] = [];
    const outcomes = new Map<string, number>();
    const rawFailures = { count: 0 };
    const warmUp = 6;
    let nextSlot = performance.now();
    const began = performance.now();
    // Frame signals with the limiter's fast path on: `signals`; with it off (Bottleneck only): `bottleneckSignals`;
    // timer signals with the fast path on: `timerSignals`. The kinds are spread evenly through the run.
    const total = signals + bottleneckSignals + timerSignals;
    // Each kind's k-th of n signals sits at (k + 0.5) / n of the run, so the kinds interleave evenly.
    const spread = (count: number, kind: { fast: boolean; trigger: Trigger }) =>
      Array.from({ length: count }, (_, k) => ({ at: (k + 0.5) / count, kind }));
    const kinds = [
      ...spread(signals, { fast: true, trigger: 'frame' }),
      ...spread(bottleneckSignals, { fast: false, trigger: 'frame' }),
      ...spread(timerSignals, { fast: true, trigger: 'timer' }),
    ]
      .sort((a, b) => a.at - b.at)
      .map((slot) => slot.kind);
    for (let i = 0; i < warmUp + total; i++) {
      const record = i >= warmUp;
      const { fast, trigger } = record ? kinds[i - warmUp] : { fast: true, trigger: 'frame' as Trigger };
      limits.setFastPath(fast);
      // Metrics on and off in blocks that cycle through every symbol and side, so neither gets an easier market.
      const metricsBlock = Math.floor(i / (2 * SYMBOLS.length));
      const metricsOn = metricsBlock % 2 === 0;
      metrics.instrument(metricsOn);
      const symbol = SYMBOLS[i % SYMBOLS.length];
      const side: 'Buy' | 'Sell' = Math.floor(i / SYMBOLS.length) % 2 === 0 ? 'Buy' : 'Sell';
      // Risk allows one live position per symbol; the previous one closes after MAX_HOLD_SECONDS.
      await waitFor(
        () => !live.exposure().symbolsInUse.has(symbol) && live.bySymbol(symbol) === undefined,
        30_000,
        `${symbol} to be free`,
      );
      const wait = nextSlot - performance.now();
      if (wait > 0) await sleep(wait);
      nextSlot = Math.max(nextSlot, performance.now()) + paceMs;
      lastSent = NaN;
      const event = await fire(trigger, symbol, side);
      if (!event) {
        outcomes.set(`no ${trigger} signal`, (outcomes.get(`no ${trigger} signal`) ?? 0) + 1);
        continue;
      }
      const { signal, t0, outcome, work } = event;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (outcome !== 'sent' || !work) continue;
      await work;
      const link = `E${signal.id}`;
      const called = placeCalled.get(link);
      const started = insertStarted.get(link);
      const ended = insertEnded.get(link);
      const arrived = arrivals.get(link);
      const ack = acked.get(link);
      if (
        record &&
        called !== undefined &&
        started !== undefined &&
        ended !== undefined &&
        arrived !== undefined &&
        ack !== undefined
      ) {
        all.push({
          fast,
          trigger,
          toPlaceOrder: called - t0,
          appSignalToSend: lastSent,
          insert: ended - started,
          beforeInsert: started - t0,
          afterInsert: called - ended,
          risk: lastRisk,
          toSimulator: arrived - called,
          roundTrip: ack - called,
          metrics: metricsOn,
          metricsBlock,
        });
      } else if (record) {
        outcomes.set(
          'sent, not sampled (no ack/arrival)',
          (outcomes.get('sent, not sampled (no ack/arrival)') ?? 0) + 1,
        );
      }
      const book = books.book(symbol);
      const tickSize = instruments.require(symbol).tickSize;
      if (!book || !Number.isFinite(book.bestBid)) continue;
      // The reference, once per signal: a raw signed create of a far-off IOC Limit (cancelled at once, never fills).
      const rawLink = `bench-raw-${process.pid}-${i}`;
      const bid = Number(fromUnits(book.bestBid, tickSize));
      const rawStarted = performance.now();
      const ok = await raw.send({
        category: 'linear',
        symbol,
        side: 'Buy',
        orderType: 'Limit',
        qty: instruments.require(symbol).minOrderQty ?? '0.01',
        price: fromUnits(Math.max(1, Math.floor((bid * 0.7) / Number(tickSize))), tickSize),
        timeInForce: 'IOC',
        orderLinkId: rawLink,
      });
      const rawEnded = performance.now();
      const rawArrived = arrivals.get(rawLink);
      if (!ok) rawFailures.count++;
      else if (record && rawArrived !== undefined) {
        rawRoundTrip.push(rawEnded - rawStarted);
        rawToSimulator.push(rawArrived - rawStarted);
      }
    }
    const seconds = (performance.now() - began) / 1000;
    limits.setFastPath(true);
    metrics.instrument(true);
    await execution.drain();
    const perSignal = all.filter((s) => s.fast && s.trigger === 'frame');
    const slow = all.filter((s) => !s.fast);
    const timed = all.filter((s) => s.fast && s.trigger === 'timer');

    const col = (pick: (s: PerSignal) => number, from = perSignal) => dist(from.map(pick));
    const totalMs = col((s) => s.toPlaceOrder);
    const appSend = col((s) => s.appSignalToSend);
    const insert = col((s) => s.insert);
    const inProcess = col((s) => s.toPlaceOrder - s.insert);
    const before = col((s) => s.beforeInsert);
    const after = col((s) => s.afterInsert);
    const toSim = col((s) => s.toSimulator);
    const roundTrip = col((s) => s.roundTrip);
    const rawRt = dist(rawRoundTrip);
    const rawSim = dist(rawToSimulator);
    const us = (ms: number) => round(ms * 1000, 0);
    table(
      [
        ['(a) signal → placeOrder called', totalMs, rawRt],
        ["    app's signalToSendMs (after placeOrder returned its promise)", appSend, rawRt],
        ['(b) write-ahead insertEntry (awaited)', insert, rawRt],
        ['(c) in process = (a) − (b)', inProcess, rawRt],
        ['    (c1) signal → insertEntry called', before, rawRt],
        ['        of which EntryRiskGate.checkEntry', col((s) => s.risk), rawRt],
        ['    (c2) insert settled → placeOrder called', after, rawRt],
        ['(d) placeOrder called → simulator got the request', toSim, rawSim],
        ['    placeOrder called → ack (HTTP round trip incl. simulator)', roundTrip, rawRt],
        ['ref: raw POST called → simulator got the request', rawSim, rawSim],
        ['ref: raw hand-signed POST /v5/order/create round trip', rawRt, rawRt],
      ].map(([name, d, ref]) => {
        const x = d as Dist;
        const r = ref as Dist;
        return {
          span: name as string,
          n: x.n,
          'p50 µs': us(x.p50),
          'p99 µs': us(x.p99),
          'max µs': us(x.max),
          'p50 / ref': round(x.p50 / r.p50, 2),
          ref: r === rawSim ? 'raw → sim' : 'raw round trip',
        };
      }),
    );
    const limiterStatus = (await limits.status()).filter((s) => s.group === 'trade' || s.group === 'ip');
    console.log(
      `outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}; raw reference failures ${rawFailures.count}`,
    );
    console.log(
      `limiters at the end: ${limiterStatus.map((s) => `${s.group} granted ${s.granted}, waitExceeded ${s.waitExceeded}, tokensLeft ${s.tokensLeft}/${s.capacity}`).join('; ')}`,
    );
    console.log(
      `signal → order sent: ${perSignal.length} signals raised inside a book frame with the limiter fast path on (the table), ${slow.length} with it off, ` +
        `${timed.length} from a timer (after ${warmUp} warm-up), one at a time, ${SYMBOLS.join('/')} alternating, ≥ ${paceMs} ms apart, ` +
        `${seconds.toFixed(1)} s; in-process (c) p50 ${us(inProcess.p50)} µs p99 ${us(inProcess.p99)} µs (target p50 ≤ 200 µs, p99 ≤ 1000 µs) = ` +
        `${round(inProcess.p50 / rawRt.p50, 2)}× a raw POST round trip at p50; (d) placeOrder → simulator p50 ${us(toSim.p50)} µs = ` +
        `${round(toSim.p50 / rawSim.p50, 2)}× the raw POST's call → simulator (${us(rawSim.p50)} µs); write-ahead (b) p50 ${us(insert.p50)} µs p99 ${us(insert.p99)} µs. ` +
        `Simulator IN THE SAME PROCESS (its handling shares the event loop with the bot).`,
    );
    const slowSim = col((s) => s.toSimulator, slow);
    const slowSend = col((s) => s.appSignalToSend, slow);
    const slowRt = col((s) => s.roundTrip, slow);
    const slowInProcess = col((s) => s.toPlaceOrder - s.insert, slow);
    table(
      [
        ['(d) placeOrder called → simulator got the request', toSim, slowSim],
        ["app's signalToSendMs", appSend, slowSend],
        ['(c) in process = (a) − (b)', inProcess, slowInProcess],
        ['placeOrder called → ack', roundTrip, slowRt],
      ].map(([name, on, off]) => {
        const a = on as Dist;
        const b = off as Dist;
        return {
          span: name as string,
          'fast path n': a.n,
          'fast p50 µs': us(a.p50),
          'fast p99 µs': us(a.p99),
          'Bottleneck n': b.n,
          'Bottleneck p50 µs': us(b.p50),
          'Bottleneck p99 µs': us(b.p99),
          'Bottleneck / fast p50': round(b.p50 / a.p50, 2),
        };
      }),
    );
    console.log(
      `limiter in the app: ${slow.length} of the signals ran with the fast path off (Bottleneck's own path, as before), interleaved with the others in the same run; ` +
        `placeOrder → simulator p50 ${us(slowSim.p50)} µs without vs ${us(toSim.p50)} µs with the fast path (${round(slowSim.p50 / toSim.p50, 1)}×)`,
    );
    const timerInProcess = col((s) => s.toPlaceOrder - s.insert, timed);
    const timerBefore = col((s) => s.beforeInsert, timed);
    const timerRisk = col((s) => s.risk, timed);
    const triggerRows: Array<[string, Dist, Dist]> = [
      ['(c) in process = (a) − (b)', inProcess, timerInProcess],
      ['    (c1) signal → insertEntry called', before, timerBefore],
      ['        of which EntryRiskGate.checkEntry', col((s) => s.risk), timerRisk],
    ];
    table(
      triggerRows.map(([name, frame, timer]) => ({
        span: name,
        'frame n': frame.n,
        'frame p50 µs': us(frame.p50),
        'frame p99 µs': us(frame.p99),
        'timer n': timer.n,
        'timer p50 µs': us(timer.p50),
        'timer p99 µs': us(timer.p99),
        'timer / frame p50': round(timer.p50 / frame.p50, 2),
      })),
    );
    console.log(
      `trigger: ${timed.length} signals came from a timer callback on an idle event loop instead of inside a book frame, interleaved in the same run; ` +
        `in-process p50 ${us(timerInProcess.p50)} µs from a timer vs ${us(inProcess.p50)} µs inside a frame (${round(timerInProcess.p50 / inProcess.p50, 2)}×)`,
    );
    // Metrics on vs off: the signals of every kind, split by whether the instrumentation was attached.
    const withMetrics = all.filter((x) => x.metrics);
    const withoutMetrics = all.filter((x) => !x.metrics);
    const metricsRows: Array<[string, (x: PerSignal) => number]> = [
      ['(c) in process = (a) − (b)', (x) => x.toPlaceOrder - x.insert],
      ['    (c1) signal → insertEntry called', (x) => x.beforeInsert],
      ['    (c2) insert settled → placeOrder called', (x) => x.afterInsert],
      ['(a) signal → placeOrder called', (x) => x.toPlaceOrder],
      ['(b) write-ahead insertEntry', (x) => x.insert],
    ];
    table(
      metricsRows.map(([name, pick]) => {
        const on = col(pick, withMetrics);
        const off = col(pick, withoutMetrics);
        return {
          span: name,
          'off n': off.n,
          'off p50 µs': us(off.p50),
          'off p99 µs': us(off.p99),
          'on n': on.n,
          'on p50 µs': us(on.p50),
          'on p99 µs': us(on.p99),
          'on / off p50': round(on.p50 / off.p50, 3),
        };
      }),
    );
    // Each on block against the off block after it: the ratio of their medians, then the median of those ratios,
    // so a drift of the machine's load during the run weighs on both sides of every pair alike.
    const inProcessOf = (x: PerSignal) => x.toPlaceOrder - x.insert;
    const blockMedians = new Map<number, number>();
    for (const block of new Set(all.map((x) => x.metricsBlock))) {
      blockMedians.set(block, dist(all.filter((x) => x.metricsBlock === block).map(inProcessOf)).p50);
    }
    const pairRatios: number[] = [];
    for (const [block, onMedian] of blockMedians) {
      const offMedian = blockMedians.get(block + 1);
      if (block % 2 === 0 && offMedian !== undefined) pairRatios.push(onMedian / offMedian);
    }
    const pairMedian = dist(pairRatios).p50;
    console.log(
      `metrics: ${withMetrics.length} signals with the instrumentation attached (event subscribers, execution and feature timings), ` +
        `${withoutMetrics.length} without, in alternating blocks of the same run (target: on / off within 1.03 at p50); ` +
        `(c) in process per pair of adjacent blocks (on, then off): median of ${pairRatios.length} block-median ratios = ${round(pairMedian, 3)}`,
    );
    return {
      totalP50: totalMs.p50,
      inProcessP50: inProcess.p50,
      inProcessP99: inProcess.p99,
      insertP50: insert.p50,
      toSimulatorP50: toSim.p50,
      rawRoundTripP50: rawRt.p50,
    };
  } finally {
    raw?.agent.destroy();
    if (app) {
      await app
        .get(BotLifecycleService)
        .stop('bench')
        .catch(() => undefined);
      await app.close();
    }
    unhook();
    await scratch.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ 3. limiter alone

/**
 * RateLimiterRegistry.schedule(group, no-op) with tokens always left: a group limiter chained to the IP limiter as
 * the bot builds them, limits high enough never to wait (trade 100k/s, IP 100k/s), one call every ~2 ms. The fast
 * path and Bottleneck's own path (setFastPath(false), what every call did before) alternate call by call.
 */
export async function limiterBench(callsPerVariant = 400): Promise<Record<string, number>> {
  const registry = new RateLimiterRegistry(
    { trade: { limit: 100_000, windowMs: 1000 } },
    { limit: 100_000, windowMs: 1000 },
    { safetyFactor: 1, maxWaitMs: 10_000 },
  );
  try {
    const resolved = { on: [] as number[], off: [] as number[] };
    const started = { on: [] as number[], off: [] as number[] };
    const promise: number[] = [];
    const warmUp = 20;
    for (let i = 0; i < 2 * (warmUp + callsPerVariant); i++) {
      const variant = i % 2 === 0 ? 'on' : 'off';
      registry.setFastPath(variant === 'on');
      let taskAt = NaN;
      const t = performance.now();
      await registry.schedule('trade', () => {
        taskAt = performance.now();
        return Promise.resolve(1);
      });
      const end = performance.now();
      const t2 = performance.now();
      await Promise.resolve(1);
      const t3 = performance.now();
      if (i >= 2 * warmUp) {
        resolved[variant].push(end - t);
        started[variant].push(taskAt - t);
        if (variant === 'on') promise.push(t3 - t2);
      }
      await sleep(2);
    }
    const rows: Array<[string, Dist]> = [
      ['fast path: schedule(trade, no-op) → task started', dist(started.on)],
      ['fast path: schedule(trade, no-op) → resolved', dist(resolved.on)],
      ['Bottleneck path (fast path off, as before): → task started', dist(started.off)],
      ['Bottleneck path (fast path off, as before): → resolved', dist(resolved.off)],
      ['baseline: await Promise.resolve()', dist(promise)],
    ];
    const base = rows[4][1];
    table(
      rows.map(([name, d]) => ({
        variant: name,
        n: d.n,
        'p50 µs': round(d.p50 * 1000, 1),
        'p99 µs': round(d.p99 * 1000, 1),
        'max µs': round(d.max * 1000, 1),
        'p50 / await': round(d.p50 / base.p50, 1),
      })),
    );
    const on = rows[1][1];
    const off = rows[3][1];
    const status = (await registry.status()).find((s) => s.group === 'trade')!;
    console.log(
      `limiter: ${callsPerVariant} calls per path, alternating, after ${warmUp} warm-up each; Bottleneck path / fast path = ${round(off.p50 / on.p50, 0)}× at p50 ` +
        `(${round(off.p50 * 1000, 1)} vs ${round(on.p50 * 1000, 1)} µs to resolve), ${round(off.p99 / on.p99, 0)}× at p99; trade granted ${status.granted}, tokens left ${status.tokensLeft}/${status.capacity}`,
    );
    return { fastP50: on.p50, bottleneckP50: off.p50 };
  } finally {
    await registry.stop();
  }
}

export async function executionBench(signals = 200): Promise<void> {
  console.log('\n-- 1. state machines --');
  fsmBench(Number(process.env.BENCH_FSM_ITERATIONS ?? 1_000_000));
  console.log('\n-- 2. write-ahead on PostgreSQL --');
  await writeAheadBench(Number(process.env.BENCH_INSERTS ?? 2000));
  console.log('\n-- 3. rate limiter alone (no HTTP) --');
  await limiterBench();
  console.log('\n-- 4. signal → order sent, whole app, simulator on loopback --');
  await signalToSendBench(
    signals,
    Number(process.env.BENCH_SIGNALS_BOTTLENECK ?? Math.ceil(signals * 0.3)),
    Number(process.env.BENCH_SIGNALS_TIMER ?? Math.ceil(signals * 0.3)),
    Number(process.env.BENCH_PACE_MS ?? 650),
  );
}
