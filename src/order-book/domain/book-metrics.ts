import { OrderBook } from './order-book';

/**
 * Pure metrics over one `OrderBook` (SPEC §3 `/data/metrics`), in two parts: the touch part (spread, mid,
 * micro-price, imbalance over 5 and 10 levels, the nearest cluster per side) is what every frame needs and costs
 * what the top of the book costs; the depth part (volumes and imbalance over every level, every cluster, the
 * largest) scans the whole book and is computed only when asked for. `BookMetricsCache` computes each at most once
 * per book version, so the features, the strategy and the API share one computation. Volumes and notionals are computed on the integer
 * grid (lots, ticks × lots) so thresholds compare exactly; prices are turned into numbers only on output, as
 * `ticks × tickMantissa / 10^decimals`, the correctly rounded double of the decimal price. Absent values are NaN
 * (an empty side has no best price, a side without clusters has no support); the read API maps NaN to null.
 */

export type BookSideName = 'bid' | 'ask';

export interface BookMetricsOptions {
  /** MIN_CLUSTER_VOLUME: a level or band is a cluster when its notional (price × size, quote currency) is ≥ this. */
  readonly minClusterVolume: number;
  /** Band width in ticks: adjacent levels in the same aligned band of this width are aggregated. 1 = single levels. */
  readonly bandTicks?: number;
  /** Only the best `maxLevels` per side count for clusters (default: all). */
  readonly maxLevels?: number;
}

/** Clusters of one side, nearest to the touch first. Prices are in ticks; `price` is the band's level nearest the touch. */
export class ClusterList {
  prices: Float64Array;
  /** Inclusive tick range of the band: [low, high]. */
  lows: Float64Array;
  highs: Float64Array;
  /** Summed size in lots and notional in quote currency. */
  sizes: Float64Array;
  notionals: Float64Array;
  count = 0;

  constructor(capacity = 64) {
    this.prices = new Float64Array(capacity);
    this.lows = new Float64Array(capacity);
    this.highs = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.notionals = new Float64Array(capacity);
  }

  /** Index of the cluster with the largest notional (the first on ties), -1 when empty. */
  largest(): number {
    let best = -1;
    for (let i = 0; i < this.count; i++) if (best < 0 || this.notionals[i] > this.notionals[best]) best = i;
    return best;
  }

  push(price: number, low: number, high: number, size: number, notional: number): void {
    if (this.count === this.prices.length) this.grow();
    const i = this.count++;
    this.prices[i] = price;
    this.lows[i] = low;
    this.highs[i] = high;
    this.sizes[i] = size;
    this.notionals[i] = notional;
  }

  private grow(): void {
    const size = this.prices.length * 2;
    const copy = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.prices = copy(this.prices);
    this.lows = copy(this.lows);
    this.highs = copy(this.highs);
    this.sizes = copy(this.sizes);
    this.notionals = copy(this.notionals);
  }
}

/** Everything `/data/metrics/{symbol}` shows, filled in place by `computeBookMetrics`. Prices as numbers. */
export class BookMetrics {
  /** Both sides non-empty: spread, mid, micro-price and distances are defined. */
  twoSided = false;
  bestBid = NaN;
  bestAsk = NaN;
  spreadTicks = NaN;
  spreadAbs = NaN;
  /** spreadAbs / mid. */
  spreadRel = NaN;
  mid = NaN;
  /** (bid × askSize + ask × bidSize) / (bidSize + askSize): leans toward the side with less size. */
  microPrice = NaN;
  /**
   * False after `computeTouchMetrics`: the depth part (imbalanceAll, volumes, the largest clusters) is NaN and the
   * cluster lists hold only the nearest cluster per side; true after `computeBookMetrics`.
   */
  complete = false;
  /** bidVolume / (bidVolume + askVolume) over the best 5, 10 and all levels; 0.5 when both are empty. */
  imbalance5 = 0.5;
  imbalance10 = 0.5;
  imbalanceAll = 0.5;
  /** Summed sizes in lots (exact integers) of the best 5, 10 and all levels per side: what the imbalances divide. */
  bidLots5 = 0;
  askLots5 = 0;
  bidLots10 = 0;
  askLots10 = 0;
  bidLotsAll = 0;
  askLotsAll = 0;
  bidVolume = 0;
  askVolume = 0;
  readonly bidClusters = new ClusterList();
  readonly askClusters = new ClusterList();
  largestBidClusterPrice = NaN;
  largestBidClusterNotional = 0;
  largestAskClusterPrice = NaN;
  largestAskClusterNotional = 0;
  /** Nearest bid cluster below mid, and its distance to mid (abs in price, rel = abs / mid). */
  supportPrice = NaN;
  supportNotional = 0;
  supportDistanceAbs = NaN;
  supportDistanceRel = NaN;
  /** Nearest ask cluster above mid. */
  resistancePrice = NaN;
  resistanceNotional = 0;
  resistanceDistanceAbs = NaN;
  resistanceDistanceRel = NaN;
}

const POW10 = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
];

/** The price (as a number) of `ticks` on the book's grid. */
export function priceOf(book: OrderBook, ticks: number): number {
  const grid = book.grid;
  return (ticks * grid.tickMantissa) / POW10[grid.tickDecimals];
}

/** The size (as a number) of `lots` on the book's grid. */
export function sizeOf(book: OrderBook, lots: number): number {
  const grid = book.grid;
  return (lots * grid.lotMantissa) / POW10[grid.lotDecimals];
}

/** Bid volume share over the best `levels` per side (all with Infinity): bid / (bid + ask), 0.5 when both empty. */
export function imbalance(book: OrderBook, levels: number): number {
  const bid = sideVolume(book, 'bid', levels);
  const ask = sideVolume(book, 'ask', levels);
  const total = bid + ask;
  return total > 0 ? bid / total : 0.5;
}

/** Summed size in lots of the best `levels` of a side. */
export function sideVolume(book: OrderBook, side: BookSideName, levels: number): number {
  let volume = 0;
  if (side === 'bid') {
    for (let i = 0, n = Math.min(levels, book.bidCount); i < n; i++) volume += book.bidSizeAt(i);
  } else {
    for (let i = 0, n = Math.min(levels, book.askCount); i < n; i++) volume += book.askSizeAt(i);
  }
  return volume;
}

/** Mid price in ticks (may be a half tick), NaN unless two-sided. */
export function midTicks(book: OrderBook): number {
  return (book.bestBid + book.bestAsk) / 2;
}

/** Micro-price in ticks: each best price weighted by the opposite side's best size. NaN unless two-sided. */
export function microPriceTicks(book: OrderBook): number {
  const bidSize = book.bestBidSize;
  const askSize = book.bestAskSize;
  const total = bidSize + askSize;
  if (!(total > 0) || book.bidCount === 0 || book.askCount === 0) return NaN;
  return (book.bestBid * askSize + book.bestAsk * bidSize) / total;
}

/**
 * Levels (bandTicks = 1) or aligned bands of `bandTicks` ticks whose notional is ≥ `minClusterVolume`, nearest the
 * touch first, into `out`; the scan stops once `maxClusters` are found (the rest of the list would be the same). The notional test runs on integers: ticks·tickMantissa·lots·lotMantissa against
 * minClusterVolume·10^(tickDecimals+lotDecimals), so a level exactly at the threshold counts.
 */
export function findClusters(
  book: OrderBook,
  side: BookSideName,
  minClusterVolume: number,
  out: ClusterList = new ClusterList(),
  bandTicks = 1,
  maxLevels = Number.POSITIVE_INFINITY,
  maxClusters = Number.POSITIVE_INFINITY,
): ClusterList {
  const grid = book.grid;
  const scale = POW10[grid.tickDecimals + grid.lotDecimals];
  const unitFactor = grid.tickMantissa * grid.lotMantissa;
  const threshold = minClusterVolume * scale;
  const isBid = side === 'bid';
  const n = Math.min(maxLevels, isBid ? book.bidCount : book.askCount);
  const width = bandTicks >= 1 ? Math.floor(bandTicks) : 1;
  out.count = 0;
  let band = NaN;
  let bandPrice = 0;
  let bandSize = 0;
  let bandUnits = 0;
  for (let i = 0; i < n; i++) {
    const price = isBid ? book.bidPriceAt(i) : book.askPriceAt(i);
    const size = isBid ? book.bidSizeAt(i) : book.askSizeAt(i);
    const index = Math.floor(price / width);
    if (index !== band) {
      if (i > 0 && bandUnits >= threshold) {
        out.push(bandPrice, band * width, band * width + width - 1, bandSize, bandUnits / scale);
        if (out.count >= maxClusters) return out;
      }
      band = index;
      bandPrice = price;
      bandSize = 0;
      bandUnits = 0;
    }
    bandSize += size;
    bandUnits += price * size * unitFactor;
  }
  if (n > 0 && bandUnits >= threshold)
    out.push(bandPrice, band * width, band * width + width - 1, bandSize, bandUnits / scale);
  return out;
}

/** Fills `out` with every metric of `book`. Allocation-free once `out`'s cluster lists have grown to size. */
export function computeBookMetrics(
  book: OrderBook,
  options: BookMetricsOptions,
  out: BookMetrics = new BookMetrics(),
): BookMetrics {
  fillTouch(book, out);
  const bidLots = sideVolume(book, 'bid', Number.POSITIVE_INFINITY);
  const askLots = sideVolume(book, 'ask', Number.POSITIVE_INFINITY);
  out.bidLotsAll = bidLots;
  out.askLotsAll = askLots;
  out.bidVolume = sizeOf(book, bidLots);
  out.askVolume = sizeOf(book, askLots);
  out.imbalanceAll = bidLots + askLots > 0 ? bidLots / (bidLots + askLots) : 0.5;

  const bids = clustersOf(book, 'bid', options, out.bidClusters, Number.POSITIVE_INFINITY);
  const asks = clustersOf(book, 'ask', options, out.askClusters, Number.POSITIVE_INFINITY);
  const largestBid = bids.largest();
  out.largestBidClusterPrice = largestBid >= 0 ? priceOf(book, bids.prices[largestBid]) : NaN;
  out.largestBidClusterNotional = largestBid >= 0 ? bids.notionals[largestBid] : 0;
  const largestAsk = asks.largest();
  out.largestAskClusterPrice = largestAsk >= 0 ? priceOf(book, asks.prices[largestAsk]) : NaN;
  out.largestAskClusterNotional = largestAsk >= 0 ? asks.notionals[largestAsk] : 0;
  fillNearest(book, out);
  out.complete = true;
  return out;
}

/**
 * The touch part only (see the top of this file): every field `computeBookMetrics` would give except the depth part,
 * which is NaN, with at most the nearest cluster in each list. Reads the best 10 levels per side plus the levels up
 * to the nearest cluster, instead of the whole book.
 */
export function computeTouchMetrics(
  book: OrderBook,
  options: BookMetricsOptions,
  out: BookMetrics = new BookMetrics(),
): BookMetrics {
  fillTouch(book, out);
  out.bidLotsAll = NaN;
  out.askLotsAll = NaN;
  out.bidVolume = NaN;
  out.askVolume = NaN;
  out.imbalanceAll = NaN;
  clustersOf(book, 'bid', options, out.bidClusters, 1);
  clustersOf(book, 'ask', options, out.askClusters, 1);
  out.largestBidClusterPrice = NaN;
  out.largestBidClusterNotional = NaN;
  out.largestAskClusterPrice = NaN;
  out.largestAskClusterNotional = NaN;
  fillNearest(book, out);
  out.complete = false;
  return out;
}

function clustersOf(
  book: OrderBook,
  side: BookSideName,
  options: BookMetricsOptions,
  out: ClusterList,
  maxClusters: number,
): ClusterList {
  const bandTicks = options.bandTicks ?? 1;
  const maxLevels = options.maxLevels ?? Number.POSITIVE_INFINITY;
  return findClusters(book, side, options.minClusterVolume, out, bandTicks, maxLevels, maxClusters);
}

/**
 * Best prices, spread, mid, micro-price and the lot sums and imbalances over the best 5 and 10 levels into `out`,
 * nothing else (no clusters): the top of the book for a reader that needs no cluster (the features on their own).
 */
export function computeTopOfBook(book: OrderBook, out: BookMetrics): BookMetrics {
  fillTouch(book, out);
  return out;
}

function fillTouch(book: OrderBook, out: BookMetrics): void {
  const bidTicks = book.bestBid;
  const askTicks = book.bestAsk;
  const twoSided = book.bidCount > 0 && book.askCount > 0;
  out.twoSided = twoSided;
  out.bestBid = priceOf(book, bidTicks);
  out.bestAsk = priceOf(book, askTicks);
  const mid = twoSided ? priceOf(book, midTicks(book)) : NaN;
  out.mid = mid;
  out.spreadTicks = twoSided ? askTicks - bidTicks : NaN;
  out.spreadAbs = twoSided ? priceOf(book, askTicks - bidTicks) : NaN;
  out.spreadRel = twoSided ? out.spreadAbs / mid : NaN;
  out.microPrice = twoSided ? priceOf(book, microPriceTicks(book)) : NaN;

  // One pass over the best 10 per side for both depths (integer lots: the sums are exact).
  let bid5 = 0;
  let bid10 = 0;
  for (let i = 0, n = Math.min(10, book.bidCount); i < n; i++) {
    bid10 += book.bidSizeAt(i);
    if (i === 4) bid5 = bid10;
  }
  if (book.bidCount < 5) bid5 = bid10;
  let ask5 = 0;
  let ask10 = 0;
  for (let i = 0, n = Math.min(10, book.askCount); i < n; i++) {
    ask10 += book.askSizeAt(i);
    if (i === 4) ask5 = ask10;
  }
  if (book.askCount < 5) ask5 = ask10;
  out.bidLots5 = bid5;
  out.askLots5 = ask5;
  out.bidLots10 = bid10;
  out.askLots10 = ask10;
  out.imbalance5 = bid5 + ask5 > 0 ? bid5 / (bid5 + ask5) : 0.5;
  out.imbalance10 = bid10 + ask10 > 0 ? bid10 / (bid10 + ask10) : 0.5;
}

/**
 * Support and resistance from the first cluster of each list: the lists run from the touch outwards and, in an
 * uncrossed book, bids are below mid and asks above.
 */
function fillNearest(book: OrderBook, out: BookMetrics): void {
  const bids = out.bidClusters;
  const asks = out.askClusters;
  const mid = out.mid;
  const twoSided = out.twoSided;
  out.supportPrice = bids.count > 0 ? priceOf(book, bids.prices[0]) : NaN;
  out.supportNotional = bids.count > 0 ? bids.notionals[0] : 0;
  out.supportDistanceAbs = bids.count > 0 && twoSided ? priceOf(book, midTicks(book) - bids.prices[0]) : NaN;
  out.supportDistanceRel = out.supportDistanceAbs / mid;
  out.resistancePrice = asks.count > 0 ? priceOf(book, asks.prices[0]) : NaN;
  out.resistanceNotional = asks.count > 0 ? asks.notionals[0] : 0;
  out.resistanceDistanceAbs = asks.count > 0 && twoSided ? priceOf(book, asks.prices[0] - midTicks(book)) : NaN;
  out.resistanceDistanceRel = out.resistanceDistanceAbs / mid;
}

/**
 * The metrics of one symbol's book, shared by everything that reads them in a frame: `touch` (every frame: the
 * features and the strategy's rule) and `full` (the read API, a signal's context) each compute at most once per
 * `book.version`; a full computation also serves `touch` of that version.
 */
export class BookMetricsCache {
  private readonly metrics = new BookMetrics();
  private book: OrderBook | null = null;
  private touchVersion = -1;
  private fullVersion = -1;

  constructor(readonly options: BookMetricsOptions) {}

  touch(book: OrderBook): BookMetrics {
    this.bind(book);
    if (this.touchVersion !== book.version && this.fullVersion !== book.version) {
      computeTouchMetrics(book, this.options, this.metrics);
      this.touchVersion = book.version;
    }
    return this.metrics;
  }

  full(book: OrderBook): BookMetrics {
    this.bind(book);
    if (this.fullVersion !== book.version) {
      computeBookMetrics(book, this.options, this.metrics);
      this.fullVersion = book.version;
      this.touchVersion = book.version;
    }
    return this.metrics;
  }

  private bind(book: OrderBook): void {
    if (this.book === book) return;
    this.book = book;
    this.touchVersion = -1;
    this.fullVersion = -1;
  }
}
