import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheSymbols } from '../src/backtest/backtest-input';
import { runBacktest } from '../src/backtest/backtest-runner';
import { loadAppConfig } from '../src/infra/config/app-config';
import { FeaturesService } from '../src/features/features.service';
import { BookMetricsCache } from '../src/order-book/domain/book-metrics';
import { OrderBook } from '../src/order-book/domain/order-book';
import { StrategyService } from '../src/strategy/strategy.service';
import type { RecordingSink } from '../src/backtest/domain/recording';
import { ensureCache, readRecording, replayCache } from '../src/backtest/recording-reader';
import { simRecordOptionsFrom, writeSimRecording } from '../src/backtest/sim-record.cli';
import { sharedPath } from '../test/support/shared-data';
import { table } from './support';

/**
 * `npm run bench backtest`: end-to-end backtest throughput (parse → book → features → strategy → risk → kernel →
 * venue, on the virtual clock) against reading alone, in the same run, on the real BTCUSDT L2 + trades recording
 * and on an orderbook.50 recording of the simulator's market (BENCH_SIM_MINUTES, default 10). Reading alone is
 * measured two ways: JSON lines + JSON.parse (what any replay pays without the cache) and the binary cache decoded
 * into a sink that does nothing. The backtest runs through the cache (built before timing) and, for comparison,
 * through the JSON path. Each figure is the best of BENCH_BACKTEST_PASSES (default 3) passes.
 */

const NOOP_SINK: RecordingSink & { messages: number } = {
  messages: 0,
  book() {
    NOOP_SINK.messages++;
  },
  trades() {
    NOOP_SINK.messages++;
  },
};

/**
 * The live hot path alone on the cached recording (book → touch metrics → features → strategy, plus trades into the
 * features), no execution and no virtual clock: what the backtest adds on top of it is the kernel, the venue, the
 * pacing and the report.
 */
function pipelineOnly(cachePath: string, symbols: readonly string[]): number {
  const config = loadAppConfig(
    { SECRET_KEY: 'x'.repeat(40), APP_PASSWORD: 'bench-password', TRADING_PAIRS: symbols.join(',') },
    { dotenvPath: false },
  );
  const features = new FeaturesService(config);
  const strategy = new StrategyService(config);
  const books = new Map<string, { book: OrderBook; metrics: BookMetricsCache }>();
  const grids = cacheSymbols(cachePath);
  let messages = 0;
  replayCache(cachePath, {
    book(delta) {
      messages++;
      let entry = books.get(delta.symbol);
      if (!entry) {
        const grid = grids.get(delta.symbol)!;
        entry = { book: new OrderBook(delta.symbol, grid), metrics: new BookMetricsCache({ minClusterVolume: 10000 }) };
        books.set(delta.symbol, entry);
      }
      const result = entry.book.apply(delta, delta.ts);
      if (result !== 'applied' && result !== 'reset') return;
      const metrics = entry.metrics.touch(entry.book);
      const source = features.onBook(entry.book, delta.ts, metrics);
      strategy.strategy.evaluate({
        symbol: delta.symbol,
        book: entry.book,
        metrics,
        metricsSource: entry.metrics,
        features: source,
        featureNames: features.names(),
        nowMs: delta.ts,
      });
    },
    trades(batch) {
      messages++;
      const entry = books.get(batch.symbol);
      if (!entry) return;
      const pipeline = features.pipeline(batch.symbol);
      for (let i = 0; i < batch.count; i++) {
        pipeline.onTrade(
          batch.times[i],
          batch.prices[i] * entry.book.grid.tick,
          batch.sizes[i] * entry.book.grid.lot,
          batch.sides[i] > 0,
        );
      }
    },
  });
  return messages;
}

export async function backtestBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-backtest-'));
  const passes = Number(process.env.BENCH_BACKTEST_PASSES ?? 3);
  const simMinutes = Number(process.env.BENCH_SIM_MINUTES ?? 10);
  const simPath = join(dir, 'sim-ob50.jsonl.gz');
  await writeSimRecording(
    simRecordOptionsFrom(['--record', simPath, '--minutes', String(simMinutes), '--seed', '1', '--depth', '50']),
  );
  const rows = [
    {
      file: 'btcusdt L2+trades .gz (real)',
      path: sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz'),
    },
    { file: `sim ob50 ${simMinutes} min`, path: simPath },
  ];
  const overrides = { DATA_DIR: join(dir, 'data') };
  const results: Array<Record<string, string | number>> = [];
  let peakRss = 0;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  try {
    for (const row of rows) {
      const cacheStarted = performance.now();
      const cachePath = await ensureCache(row.path, join(dir, 'data', 'backtests', 'cache'));
      const cacheBuildMs = performance.now() - cacheStarted;
      const best = async (pass: () => Promise<number> | number): Promise<{ rate: number; messages: number }> => {
        let rate = 0;
        let messages = 0;
        for (let i = 0; i < passes; i++) {
          const t0 = performance.now();
          messages = await pass();
          rate = Math.max(rate, messages / ((performance.now() - t0) / 1000));
          sampleRss();
        }
        return { rate, messages };
      };
      const parse = await best(async () => {
        let n = 0;
        for await (const line of readRecording(row.path)) if (line.ts > 0) n++;
        return n;
      });
      const decode = await best(() => {
        NOOP_SINK.messages = 0;
        replayCache(cachePath, NOOP_SINK);
        return NOOP_SINK.messages;
      });
      const pipeline = await best(() => pipelineOnly(cachePath, ['BTCUSDT']));
      let trades = 0;
      const viaCache = await best(async () => {
        const result = await runBacktest({ dataPath: row.path, overrides, seed: 1 });
        trades = result.report.metrics.trades;
        return result.messages;
      });
      const viaJson = await best(async () => {
        const result = await runBacktest({ dataPath: row.path, overrides: { ...overrides, BACKTEST_CACHE: 'false' } });
        return result.messages;
      });
      results.push({
        file: row.file,
        messages: viaCache.messages,
        trades,
        'JSON parse msg/s': Math.round(parse.rate),
        'cache decode msg/s': Math.round(decode.rate),
        'live pipeline only msg/s': Math.round(pipeline.rate),
        'backtest (cache) msg/s': Math.round(viaCache.rate),
        'backtest (JSON) msg/s': Math.round(viaJson.rate),
        'bt(cache)÷JSON parse': Number((viaCache.rate / parse.rate).toFixed(2)),
        'bt(cache)÷pipeline only': Number((viaCache.rate / pipeline.rate).toFixed(2)),
        'cache build ms': Math.round(cacheBuildMs),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(results);
  console.log(
    `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; one core; messages = orderbook + publicTrade lines; best of ${passes}`,
  );
}
