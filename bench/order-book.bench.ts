import { performance } from 'node:perf_hooks';
import { OrderBook, BookLevels } from '../src/order-book/domain/order-book';
import { BookDelta, parseOrderbookMessage } from '../src/order-book/domain/order-book.parse';
import { table } from './support';

/**
 * OrderBook apply throughput on orderbook.50-shaped deltas, against a naive Map + sort reference in the same run.
 * Shape (from the XRPUSDT recording, updates within the top 50): ~25 % of updates at depth 0-4, ~15 % at 5-9,
 * ~60 % at 10-49; sizes mostly replaced, a few levels deleted near the touch and refilled at the outer edge
 * (the book stays at 50 levels a side, as Bybit keeps it); 5-40 levels per message. Deltas are pre-parsed.
 */

const DEPTH = 50;

/** Deterministic xorshift32 (the bench must be reproducible, not cryptographic). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Generated {
  readonly snapshot: BookDelta;
  readonly deltas: BookDelta[];
  readonly levelUpdates: number;
}

function generate(messages: number, seed = 42): Generated {
  const random = rng(seed);
  const mid = 650_000; // BTC at 65000.0 on a 0.1 tick
  const size = () => 1 + Math.floor(random() * 5000);
  // Generator state: best first. Bids descending, asks ascending, ~20 % empty ticks.
  const bids: Array<[number, number]> = [];
  const asks: Array<[number, number]> = [];
  for (let p = mid; bids.length < DEPTH; p--) if (bids.length === 0 || random() > 0.2) bids.push([p, size()]);
  for (let p = mid + 1; asks.length < DEPTH; p++) if (asks.length === 0 || random() > 0.2) asks.push([p, size()]);
  const snapshot = BookDelta.of('snapshot', 1000, bids, asks, 0);
  const depthOf = () => {
    const r = random();
    if (r < 0.25) return Math.floor(random() * 5);
    if (r < 0.4) return 5 + Math.floor(random() * 5);
    return 10 + Math.floor(random() * 40);
  };
  const deltas: BookDelta[] = [];
  let levelUpdates = 0;
  for (let m = 0; m < messages; m++) {
    const out = new Map<number, number>();
    const outAsk = new Map<number, number>();
    const count = 5 + Math.floor(random() * 36);
    for (let k = 0; k < count; k++) {
      const isBid = random() < 0.5;
      const side = isBid ? bids : asks;
      const changes = isBid ? out : outAsk;
      const d = Math.min(depthOf(), side.length - 1);
      if (random() < 0.06 && d > 0) {
        // Delete a level, refill the outer edge so the side stays at DEPTH levels.
        const [price] = side[d];
        side.splice(d, 1);
        changes.set(price, 0);
        const edge = side[side.length - 1][0] + (isBid ? -1 - Math.floor(random() * 2) : 1 + Math.floor(random() * 2));
        const s = size();
        side.push([edge, s]);
        changes.set(edge, s);
      } else {
        const s = size();
        side[d][1] = s;
        changes.set(side[d][0], s);
      }
    }
    const delta = BookDelta.of('delta', 1001 + m, [...out.entries()], [...outAsk.entries()], m * 20);
    levelUpdates += delta.bidCount + delta.askCount;
    deltas.push(delta);
  }
  return { snapshot, deltas, levelUpdates };
}

/** The reference: Maps for the levels, a sort on every top-N read. */
class NaiveBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();

  apply(d: BookDelta): void {
    if (d.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (let i = 0; i < d.bidCount; i++) {
      if (d.bidSizes[i] === 0) this.bids.delete(d.bidPrices[i]);
      else this.bids.set(d.bidPrices[i], d.bidSizes[i]);
    }
    for (let i = 0; i < d.askCount; i++) {
      if (d.askSizes[i] === 0) this.asks.delete(d.askPrices[i]);
      else this.asks.set(d.askPrices[i], d.askSizes[i]);
    }
  }

  topBids(n: number): number[] {
    return [...this.bids.keys()].sort((a, b) => b - a).slice(0, n);
  }

  topAsks(n: number): number[] {
    return [...this.asks.keys()].sort((a, b) => a - b).slice(0, n);
  }
}

function timeIt(rounds: number, run: () => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export function orderBookBench(messages = 200_000, rounds = 5): Record<string, number> {
  const { snapshot, deltas, levelUpdates } = generate(messages);
  const book = new OrderBook('BTCUSDT', { tickSize: '0.1', qtyStep: '0.001' });
  const naive = new NaiveBook();
  const out = new BookLevels(10);
  let sink = 0;

  const applyBook = timeIt(rounds, () => {
    book.apply(snapshot);
    for (let i = 0; i < deltas.length; i++)
      if (book.apply(deltas[i]) !== 'applied') throw new Error(`unexpected at ${i}`);
  });
  const applyNaive = timeIt(rounds, () => {
    naive.apply(snapshot);
    for (let i = 0; i < deltas.length; i++) naive.apply(deltas[i]);
  });
  const applyTopBook = timeIt(rounds, () => {
    book.apply(snapshot);
    for (let i = 0; i < deltas.length; i++) {
      book.apply(deltas[i]);
      sink += book.topBids(10, out).prices[0] + book.topAsks(10, out).prices[0];
    }
  });
  const applyTopNaive = timeIt(rounds, () => {
    naive.apply(snapshot);
    for (let i = 0; i < deltas.length; i++) {
      naive.apply(deltas[i]);
      sink += naive.topBids(10)[0] + naive.topAsks(10)[0];
    }
  });
  // Top-10 read alone on the final book (both sides), many times.
  const reads = 1_000_000;
  const topBook = timeIt(rounds, () => {
    for (let i = 0; i < reads; i++) sink += book.topBids(10, out).count + book.topAsks(10, out).count;
  });
  const topNaive = timeIt(rounds, () => {
    for (let i = 0; i < reads / 100; i++) sink += naive.topBids(10).length + naive.topAsks(10).length;
  });

  // Parse cost from frame text (JSON.parse included), on a sample re-serialised from the deltas.
  const frames = deltas.slice(0, 20_000).map((d) =>
    JSON.stringify({
      topic: 'orderbook.50.BTCUSDT',
      type: 'delta',
      ts: d.ts,
      data: {
        s: 'BTCUSDT',
        b: Array.from({ length: d.bidCount }, (_, i) => [book.priceText(d.bidPrices[i]), book.sizeText(d.bidSizes[i])]),
        a: Array.from({ length: d.askCount }, (_, i) => [book.priceText(d.askPrices[i]), book.sizeText(d.askSizes[i])]),
        u: d.u,
        seq: d.u,
      },
      cts: d.ts,
    }),
  );
  const frameLevels = deltas.slice(0, 20_000).reduce((n, d) => n + d.bidCount + d.askCount, 0);
  const parsed = new BookDelta();
  const parse = timeIt(rounds, () => {
    for (const frame of frames) sink += parseOrderbookMessage(frame, book.grid, parsed).bidCount;
  });

  const perSec = (count: number, ms: number) => Math.round(count / (ms / 1000));
  const result = {
    messages,
    levelUpdates,
    bookUpdatesPerSec: perSec(levelUpdates, applyBook),
    naiveUpdatesPerSec: perSec(levelUpdates, applyNaive),
    bookApplyTop10MsgPerSec: perSec(messages, applyTopBook),
    naiveApplyTop10MsgPerSec: perSec(messages, applyTopNaive),
    bookTop10ReadNs: (topBook * 1e6) / (reads * 2),
    naiveTop10ReadNs: (topNaive * 1e6) / ((reads / 100) * 2),
    parseLevelsPerSec: perSec(frameLevels, parse),
  };
  table([
    {
      case: 'apply deltas (level updates/s)',
      orderBook: result.bookUpdatesPerSec,
      naiveMapSort: result.naiveUpdatesPerSec,
      ratio: +(applyNaive / applyBook).toFixed(2),
    },
    {
      case: 'apply + top-10 both sides (messages/s)',
      orderBook: result.bookApplyTop10MsgPerSec,
      naiveMapSort: result.naiveApplyTop10MsgPerSec,
      ratio: +(applyTopNaive / applyTopBook).toFixed(2),
    },
    {
      case: 'top-10 read, one side (ns)',
      orderBook: +result.bookTop10ReadNs.toFixed(1),
      naiveMapSort: +result.naiveTop10ReadNs.toFixed(1),
      ratio: +(result.naiveTop10ReadNs / result.bookTop10ReadNs).toFixed(1),
    },
    {
      case: 'parse frame text (levels/s, JSON.parse incl.)',
      orderBook: result.parseLevelsPerSec,
      naiveMapSort: '-',
      ratio: '-',
    },
  ]);
  console.log(
    `order-book: ${(result.bookUpdatesPerSec / 1e6).toFixed(2)} M level updates/s (target ≥ 3 M) over ${levelUpdates} updates in ${messages} orderbook.50 deltas; ` +
      `top-10 read ${result.bookTop10ReadNs.toFixed(1)} ns; ${(applyTopNaive / applyTopBook).toFixed(1)}× the naive Map+sort book with a top-10 read per message` +
      (Number.isNaN(sink) ? ' (sink NaN)' : ''),
  );
  return result;
}
