import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FeaturePipeline } from '../src/features/domain/feature-pipeline';
import { IndicatorFeatureExtractor } from '../src/features/domain/indicator-feature-extractor';
import { IndicatorCandle } from '../src/features/domain/indicators/indicator-candle';
import {
  BookMetrics,
  BookMetricsCache,
  computeBookMetrics,
  computeTouchMetrics,
} from '../src/order-book/domain/book-metrics';
import { OrderBook } from '../src/order-book/domain/order-book';
import { BookDelta, parseOrderbookMessage } from '../src/order-book/domain/order-book.parse';
import { MetricsRegistry } from '../src/metrics/metrics.registry';
import { isTimedFrame } from '../src/bot/feature-timing';
import { table } from './support';

/**
 * Feature cost per book update with 200 warm candles, over 200k generated orderbook.50-shaped deltas (touch-heavy
 * updates, deletes refilled at the edge) with a trade every 5th update: the hot path (FeaturePipeline.onBook: the
 * histories and the touch; the vector is computed only when read) and, measured on the same messages, a read of the
 * 110-vector right after (vector(): the depth scan and the copy, what a signal or /data/features pays).
 * Baseline: the indicator group recomputed from scratch from a 200-candle window with the same indicators,
 * against the incremental onCandle + write.
 */

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Book metrics per message on the real XRPUSDT orderbook.500 recording (1 snapshot of 500 levels per side, 49
 * deltas), MIN_CLUSTER_VOLUME 10000: every metric (what the pipeline computed per frame before: every level, every
 * cluster) against the touch part the hot path computes now (best 10 levels and the nearest cluster per side).
 * Each message's state is measured `reps` times in a row; per message = time / (messages × reps).
 */
function bookMetricsRows(reps = 2_000): Array<Record<string, string | number>> {
  const file = join(__dirname, '../../test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const options = { minClusterVolume: 10_000 };
  const time = (compute: (book: OrderBook, out: BookMetrics) => void): { us: number; sink: number } => {
    const book = new OrderBook('XRPUSDT', { tickSize: '0.0001', qtyStep: '1' });
    const delta = new BookDelta(500);
    const out = new BookMetrics();
    let sink = 0;
    let elapsed = 0;
    for (const line of lines) {
      book.apply(parseOrderbookMessage(line, book.grid, delta));
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) {
        compute(book, out);
        sink += out.supportPrice + out.imbalance5;
      }
      elapsed += performance.now() - t0;
    }
    return { us: (elapsed * 1000) / (lines.length * reps), sink };
  };
  // Warm both paths before measuring either.
  time((book, out) => computeBookMetrics(book, options, out));
  time((book, out) => computeTouchMetrics(book, options, out));
  const full = time((book, out) => computeBookMetrics(book, options, out));
  const touch = time((book, out) => computeTouchMetrics(book, options, out));
  // The pipeline's path: the cache computes once per book version, later readers of the frame get it for free.
  const cache = new BookMetricsCache(options);
  const cached = time((book) => {
    book.version++;
    cache.touch(book);
  });
  if (full.sink !== touch.sink) console.log('WARNING: touch and full metrics disagree on support/imbalance');
  return [
    { case: 'book metrics, every metric (XRPUSDT ob500, per msg)', mean_us: full.us.toFixed(3) },
    {
      case: 'book metrics, touch part (XRPUSDT ob500, per msg)',
      mean_us: touch.us.toFixed(3),
      ratio: (full.us / touch.us).toFixed(1),
    },
    { case: 'BookMetricsCache.touch, new version each call', mean_us: cached.us.toFixed(3) },
  ];
}

export function featuresBench(updates = 200_000): void {
  const random = rng(42);
  const candles: IndicatorCandle[] = [];
  let price = 50_000;
  for (let i = 0; i < 400; i++) {
    const open = price;
    price *= 1 + (random() - 0.5) * 0.004;
    const high = Math.max(open, price) * (1 + random() * 0.001);
    const low = Math.min(open, price) * (1 - random() * 0.001);
    candles.push({
      openTimeMs: 1_700_000_000_000 + i * 60_000,
      open,
      high,
      low,
      close: price,
      volume: 1 + random() * 50,
    });
  }

  const book = new OrderBook('BTCUSDT', { tickSize: '0.1', qtyStep: '0.001' });
  const mid = 500_000; // ticks
  const bids: Array<[number, number]> = [];
  const asks: Array<[number, number]> = [];
  for (let i = 0; i < 50; i++) {
    bids.push([mid - 1 - i, 1 + Math.floor(random() * 5000)]);
    asks.push([mid + 1 + i, 1 + Math.floor(random() * 5000)]);
  }
  book.apply(BookDelta.of('snapshot', 1, bids, asks, 0));
  // pre-generate deltas (reused objects are fine: the book copies them)
  const deltas: BookDelta[] = [];
  for (let n = 0; n < 4096; n++) {
    const d = new BookDelta(16);
    d.type = 'delta';
    let bc = 0;
    let ac = 0;
    const levels = 1 + Math.floor(random() * 6);
    for (let k = 0; k < levels; k++) {
      const depth = Math.floor(random() * random() * 50);
      const size = random() < 0.1 ? 0 : 1 + Math.floor(random() * 5000);
      if (random() < 0.5) {
        d.bidPrices[bc] = mid - 1 - depth;
        d.bidSizes[bc++] = size;
      } else {
        d.askPrices[ac] = mid + 1 + depth;
        d.askSizes[ac++] = size;
      }
    }
    d.bidCount = bc;
    d.askCount = ac;
    deltas.push(d);
  }

  const pipeline = new FeaturePipeline('BTCUSDT');
  for (let i = 0; i < 200; i++) pipeline.onCandle(candles[i]);
  const latencies = new Float64Array(updates);
  const readLatencies = new Float64Array(updates);
  let u = 1;
  let now = 1_700_000_000_000;
  let sink = 0;
  const warmup = 20_000;
  /** The next generated book update (and every fifth, a trade), as the live stream delivers them. */
  const advance = (i: number): void => {
    const d = deltas[i & 4095];
    d.u = ++u;
    now += 5 + Math.floor(random() * 20);
    d.ts = now;
    const result = book.apply(d, now);
    if (result !== 'applied') {
      // keep the generated book sane: reload the snapshot
      book.apply(BookDelta.of('snapshot', 1, bids, asks, now));
      u = 1;
    }
    if (i % 5 === 0) pipeline.onTrade(now, 50_000 + (random() - 0.5) * 10, random(), random() < 0.5);
  };
  for (let i = 0; i < updates + warmup; i++) {
    advance(i);
    const t0 = performance.now();
    pipeline.onBook(book, now);
    const t1 = performance.now();
    const v = pipeline.vector();
    const t2 = performance.now();
    sink += v[0];
    if (i >= warmup) {
      latencies[i - warmup] = (t1 - t0) * 1000;
      readLatencies[i - warmup] = (t2 - t1) * 1000;
    }
  }
  latencies.sort();
  readLatencies.sort();

  // Metrics on vs off, same run: with metrics on, TradingPipeline times the feature computation of one frame in
  // FEATURE_TIMING_SAMPLE_EVERY (two clock reads and a histogram observation, scalper_feature_compute_seconds);
  // off, it calls update alone. Rounds in pairs whose order alternates (off-on, on-off, ...), so a slow drift of the
  // machine does not favour one side; the ratio of each pair, then the median of those ratios.
  const featureCompute = new MetricsRegistry().featureCompute;
  const observe = (seconds: number) => featureCompute.observe(seconds);
  const perRound = Math.max(1000, Math.floor(updates / 40));
  const pairs = 20;
  const nsPerUpdate: { on: number[]; off: number[] } = { on: [], off: [] };
  const pairRatios: number[] = [];
  let step = updates + warmup;
  const runRound = (timer: ((seconds: number) => void) | null): number => {
    const began = performance.now();
    for (let j = 0; j < perRound; j++) {
      const frame = step++;
      advance(frame);
      // The pipeline's own lines (trading-pipeline.ts onBook).
      const timed = timer !== null && isTimedFrame(frame) ? timer : null;
      const startedAt = timed === null ? 0 : performance.now();
      pipeline.onBook(book, now);
      if (timed !== null) timed((performance.now() - startedAt) / 1000);
      sink += pipeline.orderbookFeatures.mid;
    }
    return ((performance.now() - began) * 1e6) / perRound;
  };
  // A warm-up pair for the observing path.
  runRound(null);
  runRound(observe);
  for (let pair = 0; pair < pairs; pair++) {
    const onFirst = pair % 2 === 1;
    const first = runRound(onFirst ? observe : null);
    const second = runRound(onFirst ? null : observe);
    const [on, off] = onFirst ? [first, second] : [second, first];
    nsPerUpdate.on.push(on);
    nsPerUpdate.off.push(off);
    pairRatios.push(on / off);
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };

  // indicator group: incremental vs recompute from a 200-candle window
  const rounds = 200;
  const out = new Float64Array(110);
  const ready = new Uint8Array(110);
  const incremental = new IndicatorFeatureExtractor();
  for (let i = 0; i < 200; i++) incremental.onCandle(candles[i]);
  let t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    incremental.onCandle(candles[200 + (r % 200)]);
    incremental.write(out, 75, ready, 0);
  }
  const incrementalUs = ((performance.now() - t0) * 1000) / rounds;
  t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const scratch = new IndicatorFeatureExtractor();
    for (let i = 0; i < 200; i++) scratch.onCandle(candles[r + 1 + i]);
    scratch.write(out, 75, ready, 0);
  }
  const recomputeUs = ((performance.now() - t0) * 1000) / rounds;
  sink += out[75];

  table([
    {
      case: 'FeaturePipeline.onBook (hot path: histories + touch; vector on read)',
      updates,
      p50_us: percentile(latencies, 0.5).toFixed(2),
      p99_us: percentile(latencies, 0.99).toFixed(2),
      max_us: latencies[latencies.length - 1].toFixed(2),
      target_p99_us: 50,
    },
    {
      case: 'FeaturePipeline.vector() right after onBook (a read: depth scan + 110 values)',
      updates,
      p50_us: percentile(readLatencies, 0.5).toFixed(2),
      p99_us: percentile(readLatencies, 0.99).toFixed(2),
      max_us: readLatencies[readLatencies.length - 1].toFixed(2),
    },
    {
      case: `book update + features, metrics off vs on (ns/update, median of ${pairs} alternating pairs; on/off = median of the pairs' ratios)`,
      updates_per_round: perRound,
      off_ns: median(nsPerUpdate.off).toFixed(0),
      on_ns: median(nsPerUpdate.on).toFixed(0),
      on_over_off: median(pairRatios).toFixed(3),
      target: '≤ 1.03',
    },
    {
      case: 'indicator group per closed candle',
      incremental_us: incrementalUs.toFixed(2),
      recompute_200_us: recomputeUs.toFixed(2),
      ratio: (recomputeUs / incrementalUs).toFixed(1),
    },
    ...bookMetricsRows(),
  ]);
  if (sink !== sink) console.log('sink', sink);
  if (pipeline.sanitized !== 0) console.log('WARNING: sanitized', pipeline.sanitized);
}
