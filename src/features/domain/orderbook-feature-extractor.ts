import { BookMetrics, priceOf } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { OB, ORDERBOOK_FEATURE_COUNT } from './feature-names';
import { TimeWindow } from './time-window';

/** Product constants of FEATURES.md §1 (changing them means retraining). */
export interface OrderBookFeatureOptions {
  /** ORDERBOOK_DEPTH: levels per side that count as "held" (N ≤ 50). */
  readonly depth?: number;
  /** MIN_CLUSTER_VOLUME in USDT notional. */
  readonly minClusterVolume?: number;
  /** Cluster band width in ticks. */
  readonly clusterBandTicks?: number;
}

const TRADE_WINDOW_MS = 60_000;
const BOOK_EVENT_WINDOW_MS = 10_000;
const ACTIVITY_WINDOW_MS = 60_000;
const BUCKETS = 60;
const BUCKET_MS = 1_000;
const ROLL_TRADES = 100;
/**
 * Trade prices kept for Roll: the 100 of the last book message stay in the ring for 156 more trades, so their
 * covariance can wait for a read (it is computed first if they are about to be overwritten).
 */
const ROLL_RING = 256;
const TOP = 10;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

// Trade window columns.
const T_SIZE = 0;
const T_BUY = 1;
const T_NOTIONAL = 2;
const T_LARGE = 3;
const T_ES_SUM = 4;
const T_ES_WEIGHT = 5;
// 10-s book event window columns.
const E_OFI = 0;
const E_BID_INC = 1;
const E_ASK_INC = 2;
// 60-s activity window columns.
const A_MESSAGES = 0;
const A_QUOTE = 1;
// Level TTL window columns.
const L_TTL = 0;
const L_TTL2 = 1;

function std(sum: number, sumSquares: number, n: number): number {
  if (n <= 0) return 0;
  const mean = sum / n;
  const variance = sumSquares / n - mean * mean;
  return variance > 0 ? Math.sqrt(variance) : 0;
}

/**
 * The depth part: the features computed from the held levels (level scans and clusters), only when the vector is
 * read. While the book is not valid they show their initial values (see the class comment).
 */
export const ORDERBOOK_DEPTH_FEATURES: readonly number[] = Object.freeze([
  OB.VwapBid5,
  OB.VwapAsk5,
  OB.VwapBid10,
  OB.VwapAsk10,
  OB.DepthBid5,
  OB.DepthAsk5,
  OB.DepthBid10,
  OB.DepthAsk10,
  OB.TotalBid,
  OB.TotalAsk,
  OB.DepthRatio,
  OB.Imbalance5,
  OB.Imbalance10,
  OB.ImbalanceTotal,
  OB.PricePressure,
  OB.VolumeDelta5,
  OB.LargestBidClusterPrice,
  OB.LargestBidClusterVolume,
  OB.LargestAskClusterPrice,
  OB.LargestAskClusterVolume,
  OB.NumBidClusters,
  OB.NumAskClusters,
  OB.Support,
  OB.Resistance,
  OB.DistanceToSupport,
  OB.DistanceToResistance,
  OB.LiquidityBid5,
  OB.LiquidityAsk5,
  OB.LiquidityAsymmetry,
  OB.DepthImbalanceRatio,
]);

/** Sums of one side's scan (sizes in base coin, notionals p·q in USDT, lots exact). */
class SideScan {
  q5 = 0;
  pq5 = 0;
  q10 = 0;
  pq10 = 0;
  qAll = 0;
  lots5 = 0;
  lots10 = 0;
}

/** What the features show before the first valid book; the depth part shows it again while the book is not valid. */
function initialValues(): Float64Array {
  const values = new Float64Array(ORDERBOOK_FEATURE_COUNT);
  values[OB.DepthRatio] = 1;
  values[OB.Imbalance5] = 0.5;
  values[OB.Imbalance10] = 0.5;
  values[OB.ImbalanceTotal] = 0.5;
  values[OB.BuySellRatio] = 0.5;
  values[OB.DepthImbalanceRatio] = 1;
  return values;
}
/** The features' values before the first valid book (the depth part's while the book is not valid). */
export const ORDERBOOK_INITIAL_VALUES: Readonly<Float64Array> = initialValues();

/**
 * Order-book features 1–50 (FEATURES.md §2) for one symbol. Pure: time comes in as exchange ms.
 *
 * - `onBook(book, nowMs)` once per applied book message: the touch features (spread, mid, micro-price) and the
 *   histories (order-flow imbalance, intensities, level lifetimes, activity counts, 1-s buckets), then the windowed
 *   features at `nowMs`. The depth part (vwap, depth, volumes, imbalances, pressure, clusters, support/resistance,
 *   liquidity: a scan of up to `depth` levels per side) is a pure function of the book and is NOT computed here.
 * - `onTrade(ts, price, size, isBuy)` per `publicTrade` entry: trade windows, Roll, bucket notionals.
 * - `write(out, offset, ready)` copies the 50 values (and readiness) of the last book message; the depth part is
 *   computed then from the book, at most once per book version, and so is Roll's covariance over the message's last
 *   100 trade prices (kept in a ring that outlives them by 156 trades; computed earlier if they would be overwritten). `settle(nowMs)` first re-evicts the windows at a
 *   later time (what `FeaturePipeline.compute(nowMs)` does).
 *
 * Values do not depend on whether or when anyone reads: reading computes only what is a function of the book, and
 * the windowed features and readiness are taken at the message (as the eager code did), not at the read, so trades
 * arriving before the read do not show until the next book message.
 *
 * While the book is invalid (an empty side reached `onBook`, or the book has moved since the last `onBook`
 * without being fed: a gap cleared it, a crossing delta, a resync), every book feature is flagged not ready; the
 * touch and windowed features hold their last valid values, and the depth part shows its values from before the
 * first valid book (0; ratios 1; imbalances 0.5). Holding the depth part too would mean computing it at every
 * message, since the book it came from is gone by then; nothing trades on a book that is not valid, and the
 * not-ready flags say the values are not the market's. The next valid message is treated like a snapshot (no
 * intensity/lifetime contribution).
 *
 * Intensities and level lifetimes are derived by diffing the side's top 10 before and after each message (the
 * book has already applied the delta): a price inside the previous top-10 range that was not held is a new level
 * (q_old = 0, born now); a held price missing afterwards and inside the new top-10 range was deleted. Levels that
 * enter the top 10 from deeper have an unknown birth and are skipped, like snapshot levels. A side whose top 10 is
 * unchanged (most messages change a deeper level or the other side only) is compared, not copied.
 *
 * Cluster price is the notional-weighted mean price of the band, Σp·(p·q)/Σ(p·q).
 */
export class OrderBookFeatureExtractor {
  readonly depth: number;
  readonly minClusterVolume: number;
  readonly bandTicks: number;

  /** Touch and windowed values of the last valid message (held while the book is invalid); the depth part lazily. */
  private readonly values = ORDERBOOK_INITIAL_VALUES.slice();
  private bookValid = false;
  private everValid = false;
  private startMs = Number.NaN;
  private lastResets = -1;
  private forceSnapshot = true;

  /** The book of the last `onBook` and its version then: the depth part is that book's while the version holds. */
  private book: OrderBook | null = null;
  private bookVersion = -1;
  /** `values` holds the depth part of `bookVersion`. */
  private depthComputed = false;
  /** Mid before the last valid message: the cluster fallback of a side without held levels (depth 0). */
  private midBefore = 0;

  // readiness as of the last message (or `settle`)
  private readyElapsedMs = 0;
  private readyBuckets = false;
  private readyRoll = false;

  // previous best level (ticks, lots) and as numbers
  private prevBidTicks = Number.NaN;
  private prevAskTicks = Number.NaN;
  private prevBidLots = 0;
  private prevAskLots = 0;
  private prevBidQty = 0;
  private prevAskQty = 0;

  // top-10 state per side: keys are "better first ascending" (bids: −ticks, asks: ticks). The cur* buffers are
  // swapped with the side's prev* ones after a diff instead of being copied back.
  private readonly prevKeys = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevLots = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevBirth = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevCount = [0, 0];
  private curKeys = new Float64Array(TOP);
  private curLots = new Float64Array(TOP);
  private curBirth = new Float64Array(TOP);

  private readonly trades = new TimeWindow(6, 1024);
  private readonly events = new TimeWindow(3, 1024);
  private readonly activity = new TimeWindow(2, 1024);
  private readonly lifetimes = new TimeWindow(2, 256);
  private tradeCount = 0;

  // The depth scan per side, and the price pressure sums carried from the bid side to the ask side.
  private readonly bidScan = new SideScan();
  private readonly askScan = new SideScan();
  private pressureNum = 0;
  private pressureDen = 0;

  // Roll: the last trade prices in a ring; the window of the last book message (its end and the trade count then)
  // and its covariance once computed.
  private readonly rollPrices = new Float64Array(ROLL_RING);
  private rollNext = 0;
  private rollWindowEnd = 0;
  private rollWindowTrades = 0;
  private rollCovariance = 0;
  private rollComputed = true;

  // 1-s buckets
  private bucket = Number.NaN;
  private bucketSigned = 0;
  private bucketNotional = 0;
  private lastMid = 0;
  private lastSpreadRel = 0;
  private prevEndMid = 0;
  private readonly bucketX = new Float64Array(BUCKETS);
  private readonly bucketR = new Float64Array(BUCKETS);
  private readonly bucketLogR = new Float64Array(BUCKETS);
  private readonly bucketNotionals = new Float64Array(BUCKETS);
  private readonly bucketSpread = new Float64Array(BUCKETS);
  private bucketNext = 0;
  private bucketsFilled = 0;
  private kyleLambda = 0;
  private amihud = 0;
  private midVolatility = 0;
  private spreadVolatility = 0;

  constructor(options: OrderBookFeatureOptions = {}) {
    this.depth = options.depth ?? 50;
    this.minClusterVolume = options.minClusterVolume ?? 10_000;
    this.bandTicks = options.clusterBandTicks ?? 10;
  }

  /** The book is two-sided, uncrossed and synced as of the last `onBook`. */
  get valid(): boolean {
    return this.bookValid;
  }

  /**
   * The features describe the book as it is: it was valid at the last `onBook` and has not moved since. False also
   * while a gap, a crossing or a resync (which never reach `onBook`) has changed the book behind the features' back.
   */
  get current(): boolean {
    return this.bookValid && this.book !== null && this.book.version === this.bookVersion;
  }

  /** Mid price of the last valid book (0 before any). */
  get mid(): number {
    return this.lastMid;
  }

  /**
   * Feeds one applied book message. `metrics`: the frame's shared book metrics of this book state (spread and mid
   * are taken from them instead of being recomputed; the same integer-grid arithmetic gives the same doubles).
   */
  onBook(book: OrderBook, nowMs: number, metrics?: BookMetrics): void {
    if (this.startMs !== this.startMs) this.startMs = nowMs;
    const valid = book.bidCount > 0 && book.askCount > 0 && !book.crossed && book.synced;
    this.bookValid = valid;
    this.book = book;
    this.bookVersion = book.version;
    this.depthComputed = false;
    if (!valid) {
      this.forceSnapshot = true;
      return;
    }
    this.advanceBuckets(nowMs);
    const snapshot = this.forceSnapshot || book.resets !== this.lastResets;
    this.lastResets = book.resets;
    this.forceSnapshot = false;
    this.everValid = true;

    const grid = book.grid;
    const pScale = POW10[grid.tickDecimals];
    const pMant = grid.tickMantissa;
    const qScale = POW10[grid.lotDecimals];
    const qMant = grid.lotMantissa;
    const v = this.values;

    // --- best level, spread, mid, micro ---------------------------------------------------------------
    const bidTicks = book.bestBid;
    const askTicks = book.bestAsk;
    const bidLots = book.bestBidSize;
    const askLots = book.bestAskSize;
    const pb = (bidTicks * pMant) / pScale;
    const pa = (askTicks * pMant) / pScale;
    const qb = (bidLots * qMant) / qScale;
    const qa = (askLots * qMant) / qScale;
    const mid = metrics !== undefined ? metrics.mid : priceOf(book, (bidTicks + askTicks) / 2);
    const spreadAbs = metrics !== undefined ? metrics.spreadAbs : priceOf(book, askTicks - bidTicks);
    const spreadRel = mid > 0 ? (metrics !== undefined ? metrics.spreadRel : spreadAbs / mid) : 0;
    v[OB.SpreadAbs] = spreadAbs;
    v[OB.SpreadRel] = spreadRel;
    v[OB.Mid] = mid;
    v[OB.Micro] = qb + qa > 0 ? (pb * qa + pa * qb) / (qb + qa) : mid;
    this.midBefore = this.lastMid;

    // --- histories ------------------------------------------------------------------------------------
    const activityRow = this.activity.push(nowMs);
    this.activity.set(activityRow, A_MESSAGES, 1);
    const quoteChanged =
      bidTicks !== this.prevBidTicks ||
      askTicks !== this.prevAskTicks ||
      bidLots !== this.prevBidLots ||
      askLots !== this.prevAskLots;
    if (quoteChanged) this.activity.set(activityRow, A_QUOTE, 1);

    let ofi = 0;
    if (!snapshot && this.prevBidTicks === this.prevBidTicks) {
      if (bidTicks >= this.prevBidTicks) ofi += qb;
      if (bidTicks <= this.prevBidTicks) ofi -= this.prevBidQty;
      if (askTicks <= this.prevAskTicks) ofi -= qa;
      if (askTicks >= this.prevAskTicks) ofi += this.prevAskQty;
    }
    const bidIncrease = this.diffTop(book, 0, snapshot, nowMs, qMant, qScale);
    const askIncrease = this.diffTop(book, 1, snapshot, nowMs, qMant, qScale);
    if (ofi !== 0 || bidIncrease !== 0 || askIncrease !== 0) {
      const row = this.events.push(nowMs);
      this.events.set(row, E_OFI, ofi);
      this.events.set(row, E_BID_INC, bidIncrease);
      this.events.set(row, E_ASK_INC, askIncrease);
    }
    this.prevBidTicks = bidTicks;
    this.prevAskTicks = askTicks;
    this.prevBidLots = bidLots;
    this.prevAskLots = askLots;
    this.prevBidQty = qb;
    this.prevAskQty = qa;
    this.lastMid = mid;
    this.lastSpreadRel = spreadRel;
    this.settle(nowMs);
  }

  /**
   * Feeds one public trade (exchange time `ts`, price USDT, size base coin, taker side). Trades before the first
   * valid book still count in the trade windows; effective spread needs a mid and skips them.
   */
  onTrade(ts: number, price: number, size: number, isBuy: boolean): void {
    if (!(price > 0) || !(size > 0) || ts !== ts) return;
    if (this.startMs !== this.startMs) this.startMs = ts;
    this.advanceBuckets(ts);
    const trades = this.trades;
    trades.evict(ts - TRADE_WINDOW_MS);
    const notional = price * size;
    const meanNotional = trades.count > 0 ? trades.sums[T_NOTIONAL] / trades.count : 0;
    const large = trades.count > 0 && notional >= 5 * meanNotional;
    const sign = isBuy ? 1 : -1;
    const row = trades.push(ts);
    trades.set(row, T_SIZE, size);
    if (isBuy) trades.set(row, T_BUY, size);
    trades.set(row, T_NOTIONAL, notional);
    if (large) trades.set(row, T_LARGE, sign * notional);
    const m = this.lastMid;
    if (m > 0) {
      trades.set(row, T_ES_SUM, size * ((2 * sign * (price - m)) / m));
      trades.set(row, T_ES_WEIGHT, size);
    }
    this.bucketSigned += (sign * notional) / 1e6;
    this.bucketNotional += notional;

    // The window of the last book message is about to lose its oldest price: its covariance is taken now.
    if (!this.rollComputed && this.tradeCount - this.rollWindowTrades >= ROLL_RING - ROLL_TRADES) this.settleRoll();
    this.rollPrices[this.rollNext] = price;
    this.rollNext = (this.rollNext + 1) & (ROLL_RING - 1);
    this.tradeCount++;
  }

  /**
   * Evicts the windows at `nowMs` and takes the windowed features and readiness as of then (no-op while the book is
   * invalid: they hold). `onBook` does it at the message's time; later, it is `FeaturePipeline.compute(nowMs)`.
   */
  settle(nowMs: number): void {
    if (!this.bookValid) return;
    const v = this.values;
    this.advanceBuckets(nowMs);
    this.trades.evict(nowMs - TRADE_WINDOW_MS);
    this.events.evict(nowMs - BOOK_EVENT_WINDOW_MS);
    this.activity.evict(nowMs - ACTIVITY_WINDOW_MS);
    this.lifetimes.evict(nowMs - ACTIVITY_WINDOW_MS);
    const t = this.trades.sums;
    const tradeN = this.trades.count;
    v[OB.BuySellRatio] = t[T_SIZE] > 0 ? t[T_BUY] / t[T_SIZE] : 0.5;
    v[OB.SmartMoney] = t[T_NOTIONAL] > 0 ? t[T_LARGE] / t[T_NOTIONAL] : 0;
    v[OB.EffectiveSpread] = t[T_ES_WEIGHT] > 0 ? t[T_ES_SUM] / t[T_ES_WEIGHT] : v[OB.SpreadRel];
    v[OB.TradeArrivalRate] = tradeN / 60;
    const e = this.events.sums;
    v[OB.Ofi] = e[E_OFI];
    v[OB.BidIntensity] = e[E_BID_INC] > 0 ? e[E_BID_INC] / 10 : 0;
    v[OB.AskIntensity] = e[E_ASK_INC] > 0 ? e[E_ASK_INC] / 10 : 0;
    const a = this.activity.sums;
    v[OB.UpdateFrequency] = a[A_MESSAGES] / 60;
    v[OB.QuoteIntensity] = a[A_QUOTE] / 60;
    const lifetimes = this.lifetimes.count;
    v[OB.LevelTtlAvg] = lifetimes > 0 ? this.lifetimes.sums[L_TTL] / lifetimes : 0;
    v[OB.LevelTtlStd] = std(this.lifetimes.sums[L_TTL], this.lifetimes.sums[L_TTL2], lifetimes);
    v[OB.KyleLambda] = this.kyleLambda;
    v[OB.Amihud] = this.amihud;
    v[OB.OrderbookVolatility] = this.midVolatility;
    v[OB.SpreadVolatility] = this.spreadVolatility;
    // Roll (an O(100) pass) is computed when read: here only its window is marked, unchanged without trades.
    if (this.tradeCount !== this.rollWindowTrades) {
      this.rollWindowEnd = this.rollNext;
      this.rollWindowTrades = this.tradeCount;
      this.rollComputed = false;
    }
    this.readyElapsedMs = nowMs - this.startMs;
    this.readyBuckets = this.bucketsFilled >= BUCKETS;
    this.readyRoll = this.tradeCount >= ROLL_TRADES;
  }

  /**
   * Copies the 50 features (and readiness 0/1) of the last book message (or `settle`) at `offset`, computing the
   * depth part from the book first if it has not been for this book version.
   */
  write(out: Float64Array, offset: number, ready: Uint8Array): void {
    const v = this.values;
    if (!this.rollComputed) this.settleRoll();
    const c = this.rollCovariance;
    v[OB.RollSpread] = c < 0 && v[OB.Mid] > 0 ? (2 * Math.sqrt(-c)) / v[OB.Mid] : 0;
    if (!this.current) {
      // Not valid now: touch and windowed values held, the depth part as before the first valid book, none ready.
      for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) out[offset + i] = v[i];
      for (let k = 0; k < ORDERBOOK_DEPTH_FEATURES.length; k++)
        out[offset + ORDERBOOK_DEPTH_FEATURES[k]] = ORDERBOOK_INITIAL_VALUES[ORDERBOOK_DEPTH_FEATURES[k]];
      for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) ready[offset + i] = 0;
      return;
    }
    if (!this.depthComputed) {
      this.computeDepth(this.book as OrderBook);
      this.depthComputed = true;
    }
    for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) out[offset + i] = v[i];

    const elapsed = this.readyElapsedMs;
    const ready10 = elapsed >= BOOK_EVENT_WINDOW_MS ? 1 : 0;
    const ready60 = elapsed >= ACTIVITY_WINDOW_MS ? 1 : 0;
    const buckets = this.readyBuckets ? 1 : 0;
    for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) ready[offset + i] = 1;
    ready[offset + OB.Ofi] = ready10;
    ready[offset + OB.BidIntensity] = ready10;
    ready[offset + OB.AskIntensity] = ready10;
    ready[offset + OB.BuySellRatio] = ready60;
    ready[offset + OB.SmartMoney] = ready60;
    ready[offset + OB.EffectiveSpread] = ready60;
    ready[offset + OB.TradeArrivalRate] = ready60;
    ready[offset + OB.UpdateFrequency] = ready60;
    ready[offset + OB.QuoteIntensity] = ready60;
    ready[offset + OB.LevelTtlAvg] = ready60;
    ready[offset + OB.LevelTtlStd] = ready60;
    ready[offset + OB.KyleLambda] = buckets;
    ready[offset + OB.Amihud] = buckets;
    ready[offset + OB.OrderbookVolatility] = buckets;
    ready[offset + OB.SpreadVolatility] = buckets;
    ready[offset + OB.RollSpread] = this.readyRoll ? 1 : 0;
  }

  /** Neutral/held values without a valid book yet? */
  get hasValidBook(): boolean {
    return this.everValid;
  }

  // ---- depth part: level scans and clusters, one pass per side ----------------------------------------

  private computeDepth(book: OrderBook): void {
    const v = this.values;
    const grid = book.grid;
    const pScale = POW10[grid.tickDecimals];
    const pMant = grid.tickMantissa;
    const qScale = POW10[grid.lotDecimals];
    const qMant = grid.lotMantissa;
    const nb = book.bidCount < this.depth ? book.bidCount : this.depth;
    const na = book.askCount < this.depth ? book.askCount : this.depth;
    const pb = (book.bestBid * pMant) / pScale;
    const pa = (book.bestAsk * pMant) / pScale;
    const mid = v[OB.Mid];

    this.pressureNum = 0;
    this.pressureDen = 0;
    const bid = this.scanSide(book, true, nb, pMant, pScale, qMant, qScale, this.bidScan);
    const ask = this.scanSide(book, false, na, pMant, pScale, qMant, qScale, this.askScan);
    const bidQ5 = bid.q5;
    const bidPQ5 = bid.pq5;
    const bidQAll = bid.qAll;
    const askQ5 = ask.q5;
    const askPQ5 = ask.pq5;
    const askQAll = ask.qAll;

    v[OB.VwapBid5] = bidQ5 > 0 ? bidPQ5 / bidQ5 : pb;
    v[OB.VwapAsk5] = askQ5 > 0 ? askPQ5 / askQ5 : pa;
    v[OB.VwapBid10] = bid.q10 > 0 ? bid.pq10 / bid.q10 : pb;
    v[OB.VwapAsk10] = ask.q10 > 0 ? ask.pq10 / ask.q10 : pa;
    v[OB.DepthBid5] = bidQ5;
    v[OB.DepthAsk5] = askQ5;
    v[OB.DepthBid10] = bid.q10;
    v[OB.DepthAsk10] = ask.q10;
    v[OB.TotalBid] = bidQAll;
    v[OB.TotalAsk] = askQAll;
    v[OB.DepthRatio] = askQAll > 0 ? bidQAll / askQAll : 1;
    // The imbalances at 5 and 10 levels are exact lot ratios (a lot sum scaled once, not a sum of scaled sizes), as
    // in the book metrics; below 10 held levels the features' top 10 is shallower than the metrics' one.
    const shallow = this.depth < TOP;
    const imbalance5 = shallow
      ? bidQ5 + askQ5 > 0
        ? bidQ5 / (bidQ5 + askQ5)
        : 0.5
      : bid.lots5 + ask.lots5 > 0
        ? bid.lots5 / (bid.lots5 + ask.lots5)
        : 0.5;
    const imbalanceTotal = bidQAll + askQAll > 0 ? bidQAll / (bidQAll + askQAll) : 0.5;
    v[OB.Imbalance5] = imbalance5;
    v[OB.Imbalance10] = shallow
      ? bid.q10 + ask.q10 > 0
        ? bid.q10 / (bid.q10 + ask.q10)
        : 0.5
      : bid.lots10 + ask.lots10 > 0
        ? bid.lots10 / (bid.lots10 + ask.lots10)
        : 0.5;
    v[OB.ImbalanceTotal] = imbalanceTotal;
    v[OB.PricePressure] = this.pressureDen > 0 ? this.pressureNum / this.pressureDen : 0;
    v[OB.VolumeDelta5] = bidQ5 - askQ5;
    v[OB.LiquidityBid5] = bidPQ5;
    v[OB.LiquidityAsk5] = askPQ5;
    v[OB.LiquidityAsymmetry] = bidPQ5 + askPQ5 > 0 ? (bidPQ5 - askPQ5) / (bidPQ5 + askPQ5) : 0;
    v[OB.DepthImbalanceRatio] = imbalanceTotal > 0 ? imbalance5 / imbalanceTotal : 1;
    v[OB.DistanceToSupport] = mid > 0 ? (mid - v[OB.Support]) / mid : 0;
    v[OB.DistanceToResistance] = mid > 0 ? (v[OB.Resistance] - mid) / mid : 0;
  }

  /**
   * One pass over the best `n` levels of a side: the sums over 5, 10 and all levels (into `out`), the price pressure
   * terms (added to the pressure sums) and the clusters (into `values`). Each sum adds the same terms in the same
   * order as separate level and cluster scans would.
   */
  private scanSide(
    book: OrderBook,
    isBid: boolean,
    n: number,
    pMant: number,
    pScale: number,
    qMant: number,
    qScale: number,
    out: SideScan,
  ): SideScan {
    const v = this.values;
    const width = this.bandTicks >= 1 ? Math.floor(this.bandTicks) : 1;
    const min = this.minClusterVolume;
    const sign = isBid ? 1 : -1;
    let q5 = 0;
    let pq5 = 0;
    let q10 = 0;
    let pq10 = 0;
    let qAll = 0;
    let lots5 = 0;
    let lots10 = 0;
    let pressureNum = this.pressureNum;
    let pressureDen = this.pressureDen;
    let band = Number.NaN;
    let bandNotional = 0;
    let bandWeighted = 0;
    let count = 0;
    let nearest = Number.NaN;
    let largestPrice = Number.NaN;
    let largestNotional = 0;
    let deepest = Number.NaN;
    // One step past the last level (band NaN) closes the last band.
    for (let i = 0; i <= n; i++) {
      let index = Number.NaN;
      let p = 0;
      let q = 0;
      if (i < n) {
        const ticks = isBid ? book.bidPriceAt(i) : book.askPriceAt(i);
        const lots = isBid ? book.bidSizeAt(i) : book.askSizeAt(i);
        p = (ticks * pMant) / pScale;
        q = (lots * qMant) / qScale;
        qAll += q;
        if (i < TOP) {
          q10 += q;
          pq10 += p * q;
          lots10 += lots;
          pressureNum += sign * (q / (i + 1));
          pressureDen += q / (i + 1);
          if (i < 5) {
            q5 += q;
            pq5 += p * q;
            lots5 += lots;
          }
        }
        index = Math.floor(ticks / width);
        deepest = p;
      }
      if (index !== band) {
        if (i > 0 && bandNotional >= min && bandNotional > 0) {
          const price = bandWeighted / bandNotional;
          count++;
          if (nearest !== nearest) nearest = price;
          if (bandNotional > largestNotional) {
            largestNotional = bandNotional;
            largestPrice = price;
          }
        }
        band = index;
        bandNotional = 0;
        bandWeighted = 0;
      }
      const notional = p * q;
      bandNotional += notional;
      bandWeighted += p * notional;
    }
    out.q5 = q5;
    out.pq5 = pq5;
    out.q10 = q10;
    out.pq10 = pq10;
    out.qAll = qAll;
    out.lots5 = lots5;
    out.lots10 = lots10;
    this.pressureNum = pressureNum;
    this.pressureDen = pressureDen;
    const fallback = deepest === deepest ? deepest : this.midBefore;
    if (isBid) {
      v[OB.LargestBidClusterPrice] = count > 0 ? largestPrice : fallback;
      v[OB.LargestBidClusterVolume] = count > 0 ? largestNotional : 0;
      v[OB.NumBidClusters] = count;
      v[OB.Support] = count > 0 ? nearest : fallback;
    } else {
      v[OB.LargestAskClusterPrice] = count > 0 ? largestPrice : fallback;
      v[OB.LargestAskClusterVolume] = count > 0 ? largestNotional : 0;
      v[OB.NumAskClusters] = count;
      v[OB.Resistance] = count > 0 ? nearest : fallback;
    }
    return out;
  }

  // ---- top-10 diff: intensities and level lifetimes ---------------------------------------------------

  /**
   * Returns Σ max(0, q_new − q_old) (base coin) over the side's top 10; records lifetimes of deleted levels. One
   * merge of the previous top 10 with the book's, which is copied into the spare buffers as the merge reaches it.
   */
  private diffTop(
    book: OrderBook,
    side: 0 | 1,
    snapshot: boolean,
    nowMs: number,
    qMant: number,
    qScale: number,
  ): number {
    const isBid = side === 0;
    const count = isBid ? book.bidCount : book.askCount;
    const curN = count < TOP ? count : TOP;
    const prevKeys = this.prevKeys[side];
    const prevLots = this.prevLots[side];
    const prevBirth = this.prevBirth[side];
    const prevN = this.prevCount[side];
    const curKeys = this.curKeys;
    const curLots = this.curLots;
    const curBirth = this.curBirth;
    let increase = 0;
    if (!snapshot && curN === prevN) {
      // The same prices as before (2 messages in 3 of the BTCUSDT recording; a sizes-only change): no level was
      // created or deleted, births stay, and only the sizes are new.
      let j = 0;
      for (; j < curN; j++) {
        if ((isBid ? -book.bidPriceAt(j) : book.askPriceAt(j)) !== prevKeys[j]) break;
        curLots[j] = isBid ? book.bidSizeAt(j) : book.askSizeAt(j);
      }
      if (j === curN) {
        for (let k = 0; k < curN; k++) {
          const delta = curLots[k] - prevLots[k];
          if (delta > 0) increase += delta;
        }
        this.prevLots[side] = curLots;
        this.curLots = prevLots;
        return (increase * qMant) / qScale;
      }
    }
    if (snapshot) {
      for (let j = 0; j < curN; j++) {
        curKeys[j] = isBid ? -book.bidPriceAt(j) : book.askPriceAt(j);
        curLots[j] = isBid ? book.bidSizeAt(j) : book.askSizeAt(j);
        curBirth[j] = Number.NaN;
      }
    } else {
      const worstTicks = count > TOP ? (isBid ? book.bidPriceAt(TOP - 1) : book.askPriceAt(TOP - 1)) : 0;
      const curWorst = count > TOP ? (isBid ? -worstTicks : worstTicks) : Number.POSITIVE_INFINITY;
      const prevWorst = prevN === TOP ? prevKeys[TOP - 1] : Number.POSITIVE_INFINITY;
      let i = 0;
      let j = 0;
      // The book's level j, read once as the merge reaches it.
      let ck = Number.POSITIVE_INFINITY;
      let cl = 0;
      if (curN > 0) {
        ck = isBid ? -book.bidPriceAt(0) : book.askPriceAt(0);
        cl = isBid ? book.bidSizeAt(0) : book.askSizeAt(0);
      }
      while (i < prevN || j < curN) {
        const pk = i < prevN ? prevKeys[i] : Number.POSITIVE_INFINITY;
        if (pk < ck) {
          // held before, gone now: deleted if it lies inside the new top-10 range (else pushed out)
          if (pk < curWorst) {
            const birth = prevBirth[i];
            if (birth === birth) {
              const ttl = (nowMs - birth) / 1000;
              const row = this.lifetimes.push(nowMs);
              this.lifetimes.set(row, L_TTL, ttl);
              this.lifetimes.set(row, L_TTL2, ttl * ttl);
            }
          }
          i++;
          continue;
        }
        curKeys[j] = ck;
        curLots[j] = cl;
        if (pk === ck) {
          const delta = cl - prevLots[i];
          if (delta > 0) increase += delta;
          curBirth[j] = prevBirth[i];
          i++;
        } else if (ck < prevWorst) {
          // new in the top 10: created if inside the previous range, else it came up from deeper (birth unknown)
          increase += cl;
          curBirth[j] = nowMs;
        } else {
          curBirth[j] = Number.NaN;
        }
        j++;
        if (j < curN) {
          ck = isBid ? -book.bidPriceAt(j) : book.askPriceAt(j);
          cl = isBid ? book.bidSizeAt(j) : book.askSizeAt(j);
        } else {
          ck = Number.POSITIVE_INFINITY;
        }
      }
    }
    // The new top 10 becomes the side's previous one; the old buffers are the next diff's scratch.
    this.prevKeys[side] = curKeys;
    this.prevLots[side] = curLots;
    this.prevBirth[side] = curBirth;
    this.curKeys = prevKeys;
    this.curLots = prevLots;
    this.curBirth = prevBirth;
    this.prevCount[side] = curN;
    return (increase * qMant) / qScale;
  }

  // ---- 1-s buckets ------------------------------------------------------------------------------------

  private advanceBuckets(ts: number): void {
    const b = Math.floor(ts / BUCKET_MS);
    if (this.bucket !== this.bucket) {
      this.bucket = b;
      return;
    }
    if (b <= this.bucket) return;
    let steps = b - this.bucket;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let s = 0; s < steps; s++) this.closeBucket();
    this.bucket = b;
    this.recomputeBucketStats();
  }

  private closeBucket(): void {
    const m = this.lastMid;
    const i = this.bucketNext;
    const previous = this.prevEndMid;
    const r = m > 0 && previous > 0 ? m / previous - 1 : 0;
    this.bucketR[i] = r;
    this.bucketLogR[i] = m > 0 && previous > 0 ? Math.log(m / previous) : 0;
    this.bucketX[i] = this.bucketSigned;
    this.bucketNotionals[i] = this.bucketNotional;
    this.bucketSpread[i] = this.lastSpreadRel;
    if (m > 0) this.prevEndMid = m;
    this.bucketSigned = 0;
    this.bucketNotional = 0;
    this.bucketNext = (i + 1) % BUCKETS;
    if (this.bucketsFilled < BUCKETS) this.bucketsFilled++;
  }

  private recomputeBucketStats(): void {
    const n = this.bucketsFilled;
    if (n === 0) return;
    let sx = 0;
    let sr = 0;
    let slr = 0;
    let ss = 0;
    for (let k = 0; k < n; k++) {
      sx += this.bucketX[k];
      sr += this.bucketR[k];
      slr += this.bucketLogR[k];
      ss += this.bucketSpread[k];
    }
    const mx = sx / n;
    const mr = sr / n;
    const mlr = slr / n;
    const ms = ss / n;
    let cov = 0;
    let varX = 0;
    let varLr = 0;
    let varS = 0;
    let amihudSum = 0;
    let amihudN = 0;
    for (let k = 0; k < n; k++) {
      const dx = this.bucketX[k] - mx;
      cov += dx * (this.bucketR[k] - mr);
      varX += dx * dx;
      const dl = this.bucketLogR[k] - mlr;
      varLr += dl * dl;
      const ds = this.bucketSpread[k] - ms;
      varS += ds * ds;
      // Per million USDT traded; a bucket whose notional is too small to divide by (subnormal) is skipped.
      const perMillion = this.bucketNotionals[k] / 1e6;
      const term = perMillion > 0 ? Math.abs(this.bucketR[k]) / perMillion : 0;
      if (perMillion > 0 && Number.isFinite(term)) {
        amihudSum += term;
        amihudN++;
      }
    }
    this.kyleLambda = varX > 1e-300 ? cov / varX : 0;
    this.amihud = amihudN > 0 ? amihudSum / amihudN : 0;
    this.midVolatility = varLr > 0 ? Math.sqrt(varLr / n) : 0;
    this.spreadVolatility = varS > 0 ? Math.sqrt(varS / n) : 0;
  }

  // ---- Roll --------------------------------------------------------------------------------------------

  /** The covariance of successive price changes over the window of the last book message (its last 100 trades). */
  private settleRoll(): void {
    this.rollCovariance = this.computeRoll(this.rollWindowEnd, this.rollWindowTrades);
    this.rollComputed = true;
  }

  private computeRoll(end: number, trades: number): number {
    const n = trades < ROLL_TRADES ? trades : ROLL_TRADES;
    // oldest first: index (end − n + k) mod size
    const mask = ROLL_RING - 1;
    const prices = this.rollPrices;
    let previousPrice = prices[(end - n) & mask];
    let previousChange = Number.NaN;
    let sa = 0;
    let sb = 0;
    let sab = 0;
    let pairs = 0;
    for (let k = 1; k < n; k++) {
      const price = prices[(end - n + k) & mask];
      const change = price - previousPrice;
      previousPrice = price;
      if (previousChange === previousChange) {
        sa += change;
        sb += previousChange;
        sab += change * previousChange;
        pairs++;
      }
      previousChange = change;
    }
    if (pairs === 0) return 0;
    const c = sab / pairs - (sa / pairs) * (sb / pairs);
    return Number.isFinite(c) ? c : 0;
  }
}
