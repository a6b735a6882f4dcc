import { BookMetrics, ClusterList, priceOf, sideVolume } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { Signal, SignalMetrics, SignalSide, copyFeatures, freezeSignal, orNull, signalId } from './signal';
import { Strategy, StrategyError, StrategyInput } from './strategy';

export type ImbalanceDepth = 5 | 10 | 'all';

export interface ImbalanceStrategyParams {
  /** IMBALANCE_BUY_THRESHOLD (SPEC §4: 0.75). Buy when bid share ≥ this. Decimal with ≤ 9 fraction digits. */
  readonly buyThreshold: number;
  /** IMBALANCE_SELL_THRESHOLD (SPEC §4: 0.25). Sell when bid share ≤ this. Must be < buyThreshold. */
  readonly sellThreshold: number;
  /** MIN_CLUSTER_VOLUME (SPEC §4: 10000): notional, quote currency, of a supporting/capping cluster. */
  readonly minClusterVolume: number;
  /** A second signal of the same symbol and side within this many ms of the last one is suppressed. */
  readonly cooldownMs: number;
  /** Book older than this (since its last applied message) never signals. */
  readonly maxBookAgeMs: number;
  /** Levels per side the imbalance is taken over. Default 5 (see below). */
  readonly imbalanceDepth?: ImbalanceDepth;
  /** Require a bid cluster for a Buy / an ask cluster for a Sell. Default true (the issue's rule). */
  readonly requireCluster?: boolean;
  /** A cluster only counts within this many ticks of the touch (best bid for Buy, best ask for Sell). Default ∞. */
  readonly maxClusterDistanceTicks?: number;
  /** Strategy name, [A-Za-z0-9]{1,16}: part of every signal id. Default 'imbalance'. */
  readonly name?: string;
}

/** The defaults of SPEC §4 plus this module's choices; cooldown and age are the pipeline's to choose. */
export const IMBALANCE_DEFAULTS = {
  buyThreshold: 0.75,
  sellThreshold: 0.25,
  minClusterVolume: 10000,
  imbalanceDepth: 5 as ImbalanceDepth,
  requireCluster: true,
  maxClusterDistanceTicks: Number.POSITIVE_INFINITY,
  name: 'imbalance',
} as const;

/** A threshold read as the decimal it was written as: value = num / den exactly, den = 10^k, k ≤ 9. */
export interface DecimalRatio {
  readonly num: number;
  readonly den: number;
}

/**
 * The shortest decimal num/10^k (k ≤ maxDecimals) whose double is `x`: 0.75 → 75/100, 0.7 → 7/10. Null when no such
 * decimal exists (x has more fraction digits than allowed). Config writes thresholds as decimals; this recovers them.
 */
export function decimalRatio(x: number, maxDecimals = 9): DecimalRatio | null {
  if (!Number.isFinite(x)) return null;
  for (let k = 0, den = 1; k <= maxDecimals; k++, den *= 10) {
    const num = Math.round(x * den);
    if (num / den === x) return { num, den };
  }
  return null;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Sign of bid/total − num/den, exactly, for integer lots: compares bid·den with num·total. Both products are exact
 * in doubles while ≤ 2^53 (e.g. 9·10^6 lots at 9 decimals); past that the comparison goes through BigInt.
 */
export function compareShare(bid: number, total: number, ratio: DecimalRatio): number {
  const left = bid * ratio.den;
  const right = ratio.num * total;
  if (left <= MAX_SAFE && right <= MAX_SAFE) return left === right ? 0 : left > right ? 1 : -1;
  const l = BigInt(bid) * BigInt(ratio.den);
  const r = BigInt(ratio.num) * BigInt(total);
  return l === r ? 0 : l > r ? 1 : -1;
}

/** Per-symbol memory: when each side last fired and on which book state (so one state never fires twice). */
class SideMemory {
  atMs = Number.NaN;
  u = -1;
  seq = -1;
}
class SymbolMemory {
  readonly buy = new SideMemory();
  readonly sell = new SideMemory();
}

const NAME = /^[A-Za-z0-9]{1,16}$/;
/** `nearestCluster`: the list was cut after its nearest cluster and that one does not decide. */
const UNDECIDED = -2;

/**
 * The imbalance scalping strategy (SPEC §3, §4).
 *
 * Rules, evaluated on every book update:
 * - No signal unless `book.canSignal(nowMs, maxBookAgeMs)`: synced, uncrossed, not resyncing, two-sided, fresh.
 * - imbalance = bid lots / (bid + ask lots) over the best `imbalanceDepth` levels per side. Default depth 5: SPEC
 *   does not fix it; the top 5 is the most reactive for scalping, deep levels are mostly resting liquidity that
 *   rarely trades (10 and 'all' are one parameter away, and all three are in every signal's context).
 * - Buy when imbalance ≥ buyThreshold and a bid cluster (notional ≥ minClusterVolume) supports the price;
 *   Sell when imbalance ≤ sellThreshold and an ask cluster caps it. The cluster is the nearest one to the touch
 *   (the support/resistance of `computeBookMetrics`) within `maxClusterDistanceTicks`.
 * - Exact at the boundary: thresholds are read as the decimals they were written as (0.75 = 75/100) and compared
 *   with the integer lot sums as rationals, bid·100 ≥ 75·(bid + ask): no float division, no epsilon, so 60/80 fires
 *   at 0.75 and 2999999/4000000 does not. A double `bid/total ≥ threshold` is right for 0.75 (a dyadic) and for
 *   short decimals with modest books, but a ratio within half an ulp of a many-digit threshold (or of a sum of
 *   float sizes) rounds onto it; the rational test has no such case. It implies the double test (rounding is
 *   monotone), so `metrics.imbalanceN ≥ buyThreshold` holds for every Buy (checked by a property test).
 * - strength = how far past the threshold, scaled to 0..1: Buy (imb − buy) / (1 − buy), Sell (sell − imb) / sell,
 *   clamped; 0 exactly at the threshold, 1 at a one-sided top of book (1 when a threshold sits at its extreme).
 * - price: the touch on the side of the order, best bid for a Buy, best ask for a Sell, as a decimal on the grid.
 *   A scalper joins the queue passively at the touch; the support/resistance cluster (in `context.metrics`) is the
 *   level the trade leans on (a stop reference), and an order resting there would rarely fill.
 * - Cooldown per symbol AND side: a same-side signal within `cooldownMs` of the last emitted one (now − last <
 *   cooldownMs) is suppressed; at exactly cooldownMs it is allowed. An opposite-side signal is allowed and does NOT
 *   reset the other side's cooldown: a whipsaw Buy→Sell→Buy inside the window emits Buy, Sell only, so a flickering
 *   book cannot churn orders. Suppressed signals do not extend the cooldown. Time running backwards (a replay
 *   restarted) counts as inside the cooldown until `reset()`.
 * - One book state never fires twice for a side, even after the cooldown (same (u, seq) = same id = same orderLinkId).
 */
export class ImbalanceStrategy implements Strategy {
  readonly name: string;
  readonly params: Readonly<Required<ImbalanceStrategyParams>>;
  private readonly buyRatio: DecimalRatio;
  private readonly sellRatio: DecimalRatio;
  private readonly memory = new Map<string, SymbolMemory>();

  constructor(params: ImbalanceStrategyParams) {
    const p: Required<ImbalanceStrategyParams> = {
      imbalanceDepth: IMBALANCE_DEFAULTS.imbalanceDepth,
      requireCluster: IMBALANCE_DEFAULTS.requireCluster,
      maxClusterDistanceTicks: IMBALANCE_DEFAULTS.maxClusterDistanceTicks,
      name: IMBALANCE_DEFAULTS.name,
      ...params,
    };
    const bad = (field: string, message: string): never => {
      throw new StrategyError('BAD_PARAMS', `${field}: ${message}`, { field });
    };
    const buyRatio = decimalRatio(p.buyThreshold);
    const sellRatio = decimalRatio(p.sellThreshold);
    if (!(p.buyThreshold >= 0 && p.buyThreshold <= 1) || !buyRatio)
      bad('buyThreshold', `must be a decimal in [0, 1] with at most 9 fraction digits, got ${p.buyThreshold}`);
    if (!(p.sellThreshold >= 0 && p.sellThreshold <= 1) || !sellRatio)
      bad('sellThreshold', `must be a decimal in [0, 1] with at most 9 fraction digits, got ${p.sellThreshold}`);
    if (!(p.sellThreshold < p.buyThreshold))
      bad('sellThreshold', `must be below buyThreshold (${p.sellThreshold} ≥ ${p.buyThreshold})`);
    if (!(Number.isFinite(p.minClusterVolume) && p.minClusterVolume >= 0))
      bad('minClusterVolume', `must be a finite number ≥ 0, got ${p.minClusterVolume}`);
    if (!(Number.isFinite(p.cooldownMs) && p.cooldownMs >= 0))
      bad('cooldownMs', `must be a finite number ≥ 0, got ${p.cooldownMs}`);
    if (!(Number.isFinite(p.maxBookAgeMs) && p.maxBookAgeMs > 0))
      bad('maxBookAgeMs', `must be a finite number > 0, got ${p.maxBookAgeMs}`);
    if (p.imbalanceDepth !== 5 && p.imbalanceDepth !== 10 && p.imbalanceDepth !== 'all')
      bad('imbalanceDepth', `must be 5, 10 or 'all', got ${String(p.imbalanceDepth)}`);
    if (!(p.maxClusterDistanceTicks >= 0))
      bad('maxClusterDistanceTicks', `must be ≥ 0, got ${p.maxClusterDistanceTicks}`);
    if (!NAME.test(p.name)) bad('name', `must match ${NAME}, got ${JSON.stringify(p.name)}`);
    this.params = Object.freeze(p);
    this.name = p.name;
    this.buyRatio = buyRatio as DecimalRatio;
    this.sellRatio = sellRatio as DecimalRatio;
  }

  /** The metrics options (the cache's) under which the metrics hold every cluster this strategy counts. */
  get metricsOptions(): { readonly minClusterVolume: number } {
    return { minClusterVolume: this.params.minClusterVolume };
  }

  reset(symbol?: string): void {
    if (symbol === undefined) this.memory.clear();
    else this.memory.delete(symbol);
  }

  evaluate(input: StrategyInput): Signal | null {
    const { book, metrics, nowMs, symbol } = input;
    const p = this.params;
    if (!book.canSignal(nowMs, p.maxBookAgeMs)) return null;

    // Hot path until a threshold is crossed: the frame's lot sums and two integer comparisons, no allocation.
    const depth = p.imbalanceDepth;
    const m = depth === 'all' ? this.complete(input) : metrics;
    const bid = depth === 5 ? m.bidLots5 : depth === 10 ? m.bidLots10 : m.bidLotsAll;
    const ask = depth === 5 ? m.askLots5 : depth === 10 ? m.askLots10 : m.askLotsAll;
    const total = bid + ask;
    if (!(total > 0)) return null;
    let side: SignalSide;
    if (compareShare(bid, total, this.buyRatio) >= 0) side = 'Buy';
    else if (compareShare(bid, total, this.sellRatio) <= 0) side = 'Sell';
    else return null;
    const isBuy = side === 'Buy';

    const touchTicks = isBuy ? book.bestBid : book.bestAsk;
    let cluster = this.nearestCluster(metrics, isBuy, touchTicks);
    if (cluster === UNDECIDED) cluster = this.nearestCluster(this.complete(input), isBuy, touchTicks);
    if (p.requireCluster && cluster < 0) return null;

    let mem = this.memory.get(symbol);
    if (!mem) this.memory.set(symbol, (mem = new SymbolMemory()));
    const last = isBuy ? mem.buy : mem.sell;
    if (nowMs - last.atMs < p.cooldownMs) return null; // NaN (never fired) → false → allowed
    if (last.u === book.u && last.seq === book.seq) return null; // this book state already fired this side
    last.atMs = nowMs;
    last.u = book.u;
    last.seq = book.seq;

    // The signal's context shows the depth part too: completed here, once per frame at most, only when firing.
    const full = this.complete(input);
    return this.build(input, full, side, bid, ask, isBuy ? full.bidClusters : full.askClusters, cluster);
  }

  /** The frame's metrics with the depth part (completed in place by their cache when they hold only the touch). */
  private complete(input: StrategyInput): BookMetrics {
    return input.metrics.complete || !input.metricsSource ? input.metrics : input.metricsSource.full(input.book);
  }

  /**
   * Index of the nearest cluster to the touch with notional ≥ minClusterVolume and within the distance, or -1;
   * UNDECIDED when touch-only metrics hold a nearer cluster below this strategy's minimum (a farther one may count).
   * A complete list is a superset with the same order, so an index found in the touch list is valid in it.
   */
  private nearestCluster(metrics: BookMetrics, isBuy: boolean, touchTicks: number): number {
    const clusters: ClusterList = isBuy ? metrics.bidClusters : metrics.askClusters;
    const min = this.params.minClusterVolume;
    const maxDistance = this.params.maxClusterDistanceTicks;
    for (let i = 0; i < clusters.count; i++) {
      const distance = isBuy ? touchTicks - clusters.prices[i] : clusters.prices[i] - touchTicks;
      if (distance > maxDistance) return -1; // the list runs outwards from the touch
      if (clusters.notionals[i] >= min) return i;
    }
    return clusters.count > 0 && !metrics.complete ? UNDECIDED : -1;
  }

  private build(
    input: StrategyInput,
    metrics: BookMetrics,
    side: SignalSide,
    bid: number,
    ask: number,
    clusters: ClusterList,
    cluster: number,
  ): Signal {
    const { book, nowMs, symbol } = input;
    const p = this.params;
    const isBuy = side === 'Buy';
    const imb = bid / (bid + ask);
    const raw = isBuy
      ? p.buyThreshold >= 1
        ? 1
        : (imb - p.buyThreshold) / (1 - p.buyThreshold)
      : p.sellThreshold <= 0
        ? 1
        : (p.sellThreshold - imb) / p.sellThreshold;
    const strength = raw < 0 ? 0 : raw > 1 ? 1 : raw;
    const priceTicks = isBuy ? book.bestBid : book.bestAsk;
    const clusterPrice = cluster >= 0 ? priceOf(book, clusters.prices[cluster]) : null;
    const clusterNotional = cluster >= 0 ? clusters.notionals[cluster] : null;

    const depth = p.imbalanceDepth === 'all' ? 'All' : String(p.imbalanceDepth);
    const cmp = isBuy ? `≥ buy threshold ${p.buyThreshold}` : `≤ sell threshold ${p.sellThreshold}`;
    const clusterText =
      cluster >= 0
        ? `; ${isBuy ? 'bid' : 'ask'} cluster at ${book.priceText(clusters.prices[cluster])} notional ${round(clusterNotional as number)} ≥ ${p.minClusterVolume}`
        : '; no cluster required';
    const reason =
      `imbalance${depth} ${imb.toFixed(4)} ${cmp} (bid ${book.sizeText(bid)} / ask ${book.sizeText(ask)} over ${depth === 'All' ? 'all' : `top ${depth}`} levels)` +
      `${clusterText}; ${isBuy ? 'best bid' : 'best ask'} ${book.priceText(priceTicks)}, strength ${strength.toFixed(3)}`;

    const snapshot: SignalMetrics = {
      imbalance5: metrics.imbalance5,
      imbalance10: metrics.imbalance10,
      imbalanceAll: metrics.imbalanceAll,
      imbalance: imb,
      bestBid: orNull(metrics.bestBid),
      bestAsk: orNull(metrics.bestAsk),
      spread: orNull(metrics.spreadAbs),
      spreadTicks: orNull(metrics.spreadTicks),
      mid: orNull(metrics.mid),
      microPrice: orNull(metrics.microPrice),
      clusterPrice,
      clusterNotional,
      supportPrice: orNull(metrics.supportPrice),
      supportNotional: metrics.supportNotional,
      resistancePrice: orNull(metrics.resistancePrice),
      resistanceNotional: metrics.resistanceNotional,
      largestBidClusterPrice: orNull(metrics.largestBidClusterPrice),
      largestBidClusterNotional: metrics.largestBidClusterNotional,
      largestAskClusterPrice: orNull(metrics.largestAskClusterPrice),
      largestAskClusterNotional: metrics.largestAskClusterNotional,
    };
    const features = copyFeatures(input.features?.vector(), input.featureNames);
    return freezeSignal({
      id: signalId({ strategy: this.name, symbol, side, u: book.u, seq: book.seq }),
      strategy: this.name,
      symbol,
      side,
      strength,
      reason,
      price: book.priceText(priceTicks),
      atMs: nowMs,
      context: { metrics: snapshot, ...(features ? { features } : {}), bookU: book.u, bookSeq: book.seq },
    });
  }
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** For tests and callers holding only a book: the exact lot imbalance over `depth` (what the rule compares). */
export function lotImbalance(book: OrderBook, depth: ImbalanceDepth): number {
  const levels = depth === 'all' ? Number.POSITIVE_INFINITY : depth;
  const bid = sideVolume(book, 'bid', levels);
  const total = bid + sideVolume(book, 'ask', levels);
  return total > 0 ? bid / total : 0.5;
}

/** The trading settings the imbalance rule reads (AppConfig's `trading` section has them). */
export interface ImbalanceTradingSettings {
  readonly imbalanceBuyThreshold: number;
  readonly imbalanceSellThreshold: number;
  readonly minClusterVolume: number;
  readonly signalCooldownMs: number;
  readonly orderbookStaleMs: number;
}

/** The configured strategy, built the same way for the live service and the backtest. */
export function imbalanceStrategyFor(trading: ImbalanceTradingSettings): ImbalanceStrategy {
  return new ImbalanceStrategy({
    buyThreshold: trading.imbalanceBuyThreshold,
    sellThreshold: trading.imbalanceSellThreshold,
    minClusterVolume: trading.minClusterVolume,
    cooldownMs: trading.signalCooldownMs,
    maxBookAgeMs: trading.orderbookStaleMs,
  });
}
