/*
 * Frozen reference: src/features/domain/orderbook-feature-extractor.ts as of commit d750276, the eager
 * OrderBookFeatureExtractor that computed the whole vector at every book message. Only the names and import paths differ. The
 * equivalence test (lazy-features.spec.ts) replays real data through it and through the lazy code; keep it as it is.
 */
import { BookMetrics, computeTopOfBook } from '../../../src/order-book/domain/book-metrics';
import { OrderBook } from '../../../src/order-book/domain/order-book';
import { OB, ORDERBOOK_FEATURE_COUNT } from '../../../src/features/domain/feature-names';
import { TimeWindow } from '../../../src/features/domain/time-window';

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
 * Order-book features 1–50 (FEATURES.md §2) for one symbol. Pure: time comes in as exchange ms.
 *
 * - `onBook(book, nowMs)` once per applied book message: recomputes the static features from the book and feeds
 *   the histories (order-flow imbalance, intensities, level lifetimes, activity counts, 1-s buckets).
 * - `onTrade(ts, price, size, isBuy)` per `publicTrade` entry: trade windows, Roll, bucket notionals.
 * - `write(out, offset, ready, nowMs)` evicts the windows at `nowMs` and copies the 50 values (and readiness).
 *
 * While the book is invalid (empty side, crossed, resyncing) every book feature holds its last valid value and is
 * flagged not ready; the next valid message is treated like a snapshot (no intensity/lifetime contribution).
 *
 * Intensities and level lifetimes are derived by diffing the side's top 10 before and after each message (the
 * book has already applied the delta): a price inside the previous top-10 range that was not held is a new level
 * (q_old = 0, born now); a held price missing afterwards and inside the new top-10 range was deleted. Levels that
 * enter the top 10 from deeper have an unknown birth and are skipped, like snapshot levels.
 *
 * Cluster price is the notional-weighted mean price of the band, Σp·(p·q)/Σ(p·q).
 */
export class ReferenceOrderBookFeatureExtractor {
  readonly depth: number;
  readonly minClusterVolume: number;
  readonly bandTicks: number;

  /** Last computed values (held while the book is invalid). */
  private readonly values = new Float64Array(ORDERBOOK_FEATURE_COUNT);
  private bookValid = false;
  private everValid = false;
  private startMs = Number.NaN;
  private lastResets = -1;
  private forceSnapshot = true;

  // previous best level (ticks, lots) and as numbers
  private prevBidTicks = Number.NaN;
  private prevAskTicks = Number.NaN;
  private prevBidLots = 0;
  private prevAskLots = 0;
  private prevBidQty = 0;
  private prevAskQty = 0;

  // top-10 state per side: keys are "better first ascending" (bids: −ticks, asks: ticks)
  private readonly prevKeys = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevLots = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevBirth = [new Float64Array(TOP), new Float64Array(TOP)];
  private readonly prevCount = [0, 0];
  private readonly curKeys = new Float64Array(TOP);
  private readonly curLots = new Float64Array(TOP);
  private readonly curBirth = new Float64Array(TOP);

  private readonly trades = new TimeWindow(6, 1024);
  private readonly events = new TimeWindow(3, 1024);
  private readonly activity = new TimeWindow(2, 1024);
  private readonly lifetimes = new TimeWindow(2, 256);
  private tradeCount = 0;
  /** The top of the book when no shared metrics are handed in (the pipeline used on its own). */
  private readonly ownTop = new BookMetrics();

  // Roll: last 100 trade prices
  private readonly rollPrices = new Float64Array(ROLL_TRADES);
  private rollNext = 0;
  private rollCovariance = 0;

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
    this.values[OB.DepthRatio] = 1;
    this.values[OB.Imbalance5] = 0.5;
    this.values[OB.Imbalance10] = 0.5;
    this.values[OB.ImbalanceTotal] = 0.5;
    this.values[OB.BuySellRatio] = 0.5;
    this.values[OB.DepthImbalanceRatio] = 1;
  }

  /** The book is two-sided, uncrossed and synced as of the last `onBook`. */
  get valid(): boolean {
    return this.bookValid;
  }

  /** Mid price of the last valid book (0 before any). */
  get mid(): number {
    return this.lastMid;
  }

  /**
   * Feeds one applied book message. `metrics`: the frame's shared book metrics of this book state (spread, mid and
   * the lot imbalances are taken from them instead of being recomputed); without them the top is computed here.
   */
  onBook(book: OrderBook, nowMs: number, metrics?: BookMetrics): void {
    if (this.startMs !== this.startMs) this.startMs = nowMs;
    const valid = book.bidCount > 0 && book.askCount > 0 && !book.crossed && book.synced;
    this.bookValid = valid;
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
    // Mid and spread are the metrics' own (same integer-grid arithmetic, so the same doubles); the imbalances at 5
    // and 10 levels are their exact lot ratios (a lot sum scaled once, not a sum of scaled sizes).
    const top = metrics ?? computeTopOfBook(book, this.ownTop);
    const mid = top.mid;
    const spreadAbs = top.spreadAbs;
    const spreadRel = mid > 0 ? top.spreadRel : 0;
    v[OB.SpreadAbs] = spreadAbs;
    v[OB.SpreadRel] = spreadRel;
    v[OB.Mid] = mid;
    v[OB.Micro] = qb + qa > 0 ? (pb * qa + pa * qb) / (qb + qa) : mid;

    // --- level scans ----------------------------------------------------------------------------------
    const nb = book.bidCount < this.depth ? book.bidCount : this.depth;
    const na = book.askCount < this.depth ? book.askCount : this.depth;
    let bidQ5 = 0;
    let bidPQ5 = 0;
    let bidQ10 = 0;
    let bidPQ10 = 0;
    let bidQAll = 0;
    let askQ5 = 0;
    let askPQ5 = 0;
    let askQ10 = 0;
    let askPQ10 = 0;
    let askQAll = 0;
    let pressureNum = 0;
    let pressureDen = 0;
    for (let i = 0; i < nb; i++) {
      const q = (book.bidSizeAt(i) * qMant) / qScale;
      bidQAll += q;
      if (i < TOP) {
        const p = (book.bidPriceAt(i) * pMant) / pScale;
        bidQ10 += q;
        bidPQ10 += p * q;
        pressureNum += q / (i + 1);
        pressureDen += q / (i + 1);
        if (i < 5) {
          bidQ5 += q;
          bidPQ5 += p * q;
        }
      }
    }
    for (let i = 0; i < na; i++) {
      const q = (book.askSizeAt(i) * qMant) / qScale;
      askQAll += q;
      if (i < TOP) {
        const p = (book.askPriceAt(i) * pMant) / pScale;
        askQ10 += q;
        askPQ10 += p * q;
        pressureNum -= q / (i + 1);
        pressureDen += q / (i + 1);
        if (i < 5) {
          askQ5 += q;
          askPQ5 += p * q;
        }
      }
    }
    v[OB.VwapBid5] = bidQ5 > 0 ? bidPQ5 / bidQ5 : pb;
    v[OB.VwapAsk5] = askQ5 > 0 ? askPQ5 / askQ5 : pa;
    v[OB.VwapBid10] = bidQ10 > 0 ? bidPQ10 / bidQ10 : pb;
    v[OB.VwapAsk10] = askQ10 > 0 ? askPQ10 / askQ10 : pa;
    v[OB.DepthBid5] = bidQ5;
    v[OB.DepthAsk5] = askQ5;
    v[OB.DepthBid10] = bidQ10;
    v[OB.DepthAsk10] = askQ10;
    v[OB.TotalBid] = bidQAll;
    v[OB.TotalAsk] = askQAll;
    v[OB.DepthRatio] = askQAll > 0 ? bidQAll / askQAll : 1;
    // Below 10 held levels the features' top 10 is shallower than the metrics' one: sum here then.
    const shallow = this.depth < TOP;
    const imbalance5 = shallow ? (bidQ5 + askQ5 > 0 ? bidQ5 / (bidQ5 + askQ5) : 0.5) : top.imbalance5;
    const imbalanceTotal = bidQAll + askQAll > 0 ? bidQAll / (bidQAll + askQAll) : 0.5;
    v[OB.Imbalance5] = imbalance5;
    v[OB.Imbalance10] = shallow ? (bidQ10 + askQ10 > 0 ? bidQ10 / (bidQ10 + askQ10) : 0.5) : top.imbalance10;
    v[OB.ImbalanceTotal] = imbalanceTotal;
    v[OB.PricePressure] = pressureDen > 0 ? pressureNum / pressureDen : 0;
    v[OB.VolumeDelta5] = bidQ5 - askQ5;
    v[OB.LiquidityBid5] = bidPQ5;
    v[OB.LiquidityAsk5] = askPQ5;
    v[OB.LiquidityAsymmetry] = bidPQ5 + askPQ5 > 0 ? (bidPQ5 - askPQ5) / (bidPQ5 + askPQ5) : 0;
    v[OB.DepthImbalanceRatio] = imbalanceTotal > 0 ? imbalance5 / imbalanceTotal : 1;

    this.clusters(book, true, nb, pMant, pScale, qMant, qScale);
    this.clusters(book, false, na, pMant, pScale, qMant, qScale);
    v[OB.DistanceToSupport] = mid > 0 ? (mid - v[OB.Support]) / mid : 0;
    v[OB.DistanceToResistance] = mid > 0 ? (v[OB.Resistance] - mid) / mid : 0;

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

    this.rollPrices[this.rollNext] = price;
    this.rollNext = (this.rollNext + 1) % ROLL_TRADES;
    this.tradeCount++;
    if (this.tradeCount >= 3) this.rollCovariance = this.computeRoll();
  }

  /** Copies the 50 features (and readiness 0/1) at `offset`, after evicting the windows at `nowMs`. */
  write(out: Float64Array, offset: number, ready: Uint8Array, nowMs: number): void {
    const v = this.values;
    const valid = this.bookValid;
    if (valid) {
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
      const c = this.rollCovariance;
      v[OB.RollSpread] = c < 0 && v[OB.Mid] > 0 ? (2 * Math.sqrt(-c)) / v[OB.Mid] : 0;
    }
    for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) out[offset + i] = v[i];

    // readiness
    if (!valid) {
      for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) ready[offset + i] = 0;
      return;
    }
    const elapsed = nowMs - this.startMs;
    const ready10 = elapsed >= BOOK_EVENT_WINDOW_MS ? 1 : 0;
    const ready60 = elapsed >= ACTIVITY_WINDOW_MS ? 1 : 0;
    const buckets = this.bucketsFilled >= BUCKETS ? 1 : 0;
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
    ready[offset + OB.RollSpread] = this.tradeCount >= ROLL_TRADES ? 1 : 0;
  }

  /** Neutral/held values without a valid book yet? */
  get hasValidBook(): boolean {
    return this.everValid;
  }

  // ---- clusters --------------------------------------------------------------------------------------

  private clusters(
    book: OrderBook,
    isBid: boolean,
    n: number,
    pMant: number,
    pScale: number,
    qMant: number,
    qScale: number,
  ): void {
    const v = this.values;
    const width = this.bandTicks >= 1 ? Math.floor(this.bandTicks) : 1;
    const min = this.minClusterVolume;
    let band = Number.NaN;
    let bandNotional = 0;
    let bandWeighted = 0;
    let count = 0;
    let nearest = Number.NaN;
    let largestPrice = Number.NaN;
    let largestNotional = 0;
    let deepest = Number.NaN;
    for (let i = 0; i <= n; i++) {
      let index = Number.NaN;
      let p = 0;
      let q = 0;
      if (i < n) {
        const ticks = isBid ? book.bidPriceAt(i) : book.askPriceAt(i);
        p = (ticks * pMant) / pScale;
        q = ((isBid ? book.bidSizeAt(i) : book.askSizeAt(i)) * qMant) / qScale;
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
    const fallback = deepest === deepest ? deepest : this.lastMid;
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
  }

  // ---- top-10 diff: intensities and level lifetimes ---------------------------------------------------

  /** Returns Σ max(0, q_new − q_old) (base coin) over the side's top 10; records lifetimes of deleted levels. */
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
    const curKeys = this.curKeys;
    const curLots = this.curLots;
    const curBirth = this.curBirth;
    for (let j = 0; j < curN; j++) {
      curKeys[j] = isBid ? -book.bidPriceAt(j) : book.askPriceAt(j);
      curLots[j] = isBid ? book.bidSizeAt(j) : book.askSizeAt(j);
    }
    const prevKeys = this.prevKeys[side];
    const prevLots = this.prevLots[side];
    const prevBirth = this.prevBirth[side];
    const prevN = this.prevCount[side];
    let increase = 0;
    if (snapshot) {
      for (let j = 0; j < curN; j++) curBirth[j] = Number.NaN;
    } else {
      const curWorst = count > TOP ? curKeys[TOP - 1] : Number.POSITIVE_INFINITY;
      const prevWorst = prevN === TOP ? prevKeys[TOP - 1] : Number.POSITIVE_INFINITY;
      let i = 0;
      let j = 0;
      while (i < prevN || j < curN) {
        const pk = i < prevN ? prevKeys[i] : Number.POSITIVE_INFINITY;
        const ck = j < curN ? curKeys[j] : Number.POSITIVE_INFINITY;
        if (pk === ck) {
          const delta = curLots[j] - prevLots[i];
          if (delta > 0) increase += delta;
          curBirth[j] = prevBirth[i];
          i++;
          j++;
        } else if (pk < ck) {
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
        } else {
          // new in the top 10: created if inside the previous range, else it came up from deeper (birth unknown)
          if (ck < prevWorst) {
            increase += curLots[j];
            curBirth[j] = nowMs;
          } else {
            curBirth[j] = Number.NaN;
          }
          j++;
        }
      }
    }
    for (let j = 0; j < curN; j++) {
      prevKeys[j] = curKeys[j];
      prevLots[j] = curLots[j];
      prevBirth[j] = curBirth[j];
    }
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

  private computeRoll(): number {
    const n = this.tradeCount < ROLL_TRADES ? this.tradeCount : ROLL_TRADES;
    // oldest first: index (rollNext − n + k) mod size
    const start = (this.rollNext - n + ROLL_TRADES) % ROLL_TRADES;
    let previousPrice = this.rollPrices[start];
    let previousChange = Number.NaN;
    let sa = 0;
    let sb = 0;
    let sab = 0;
    let pairs = 0;
    for (let k = 1; k < n; k++) {
      const price = this.rollPrices[(start + k) % ROLL_TRADES];
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
