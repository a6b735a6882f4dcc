import type { Prng } from './prng';
import { trimDecimal, type StepFormatter } from './sim-book-format';
import type { KlineRecord, KlineRow } from './market-model.messages';

/**
 * 1-minute candles in integer units: prices in ticks, volume in lots, turnover in tick·lot units (Σ price × size,
 * exact; formatted with the step tickSize × qtyStep). A candle opens at the first trade of its minute; a minute
 * without trades is flat at the previous close with zero volume, as Bybit shows it.
 */
export const KLINE_INTERVAL_MS = 60_000;

export interface Candle {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  turnover: number;
  /** Whether any trade has been seen (the first one sets the open). */
  traded: boolean;
}

export interface KlineFormatters {
  readonly price: StepFormatter;
  readonly size: StepFormatter;
  /** Step tickSize × qtyStep (multiplySteps) for turnover units. */
  readonly turnover: StepFormatter;
}

export interface WindowStats {
  high: number;
  low: number;
  volume: number;
  turnover: number;
  /** Open of the oldest candle in the window (the price at the window's start). */
  firstOpen: number;
}

export function minuteStart(ms: number): number {
  return Math.floor(ms / KLINE_INTERVAL_MS) * KLINE_INTERVAL_MS;
}

export class KlineSeries {
  private readonly history: Candle[] = [];
  private currentCandle: Candle | undefined;
  private statsCache: { since: number; historyLength: number; lastStart: number; stats: WindowStats } | undefined;

  constructor(private readonly capacity = 2000) {}

  get current(): Candle | undefined {
    return this.currentCandle;
  }

  /** Confirmed candles, oldest first (read-only view). */
  get confirmed(): readonly Candle[] {
    return this.history;
  }

  /** Opens the candle containing `ms`, flat at `priceTicks`. */
  startAt(ms: number, priceTicks: number): void {
    this.currentCandle = flatCandle(minuteStart(ms), priceTicks);
  }

  /** Prepends pre-generated confirmed history (warm-up); candles must be older than the current one. */
  loadHistory(candles: readonly Candle[]): void {
    const limit = this.currentCandle?.start ?? Number.POSITIVE_INFINITY;
    const older = candles.filter(
      (c) => c.start < limit && (this.history.length === 0 || c.start < this.history[0].start),
    );
    this.history.unshift(...older);
    this.enforceCapacity();
    this.statsCache = undefined;
  }

  /** Closes every candle that ended at or before `nowMs`, calling `onClosed` for each; empty minutes stay flat. */
  roll(nowMs: number, onClosed?: (candle: Candle) => void): void {
    let candle = this.currentCandle;
    if (!candle) return;
    while (candle.start + KLINE_INTERVAL_MS <= nowMs) {
      this.history.push(candle);
      onClosed?.(candle);
      candle = flatCandle(candle.start + KLINE_INTERVAL_MS, candle.close);
    }
    this.currentCandle = candle;
    this.enforceCapacity();
  }

  onTrade(priceTicks: number, lots: number): void {
    const c = this.currentCandle;
    if (!c) return;
    if (!c.traded) {
      c.open = c.high = c.low = priceTicks;
      c.traded = true;
    }
    if (priceTicks > c.high) c.high = priceTicks;
    if (priceTicks < c.low) c.low = priceTicks;
    c.close = priceTicks;
    c.volume += lots;
    c.turnover += priceTicks * lots;
  }

  /** REST rows, newest first, the current candle included; `start`/`end` filter by candle start (inclusive). */
  rows(fmt: KlineFormatters, limit: number, startMs?: number, endMs?: number): KlineRow[] {
    const out: KlineRow[] = [];
    const consider = (c: Candle): boolean => {
      if (endMs !== undefined && c.start > endMs) return true;
      if (startMs !== undefined && c.start < startMs) return false;
      out.push([
        String(c.start),
        fmt.price.format(c.open),
        fmt.price.format(c.high),
        fmt.price.format(c.low),
        fmt.price.format(c.close),
        trimDecimal(fmt.size.format(c.volume)),
        trimDecimal(fmt.turnover.format(c.turnover)),
      ]);
      return out.length < limit;
    };
    if (this.currentCandle && !consider(this.currentCandle)) return out;
    for (let i = this.history.length - 1; i >= 0; i--) if (!consider(this.history[i])) break;
    return out;
  }

  /** High, low, volume, turnover and first open over candles starting at or after `sinceMs`, current included. */
  windowStats(sinceMs: number): WindowStats | undefined {
    const current = this.currentCandle;
    if (!current) return undefined;
    const lastStart = this.history.length > 0 ? this.history[this.history.length - 1].start : -1;
    let cache = this.statsCache;
    if (
      !cache ||
      cache.since !== sinceMs ||
      cache.historyLength !== this.history.length ||
      cache.lastStart !== lastStart
    ) {
      const stats: WindowStats = { high: -Infinity, low: Infinity, volume: 0, turnover: 0, firstOpen: current.open };
      let first = true;
      for (const c of this.history) {
        if (c.start < sinceMs) continue;
        if (first) {
          stats.firstOpen = c.open;
          first = false;
        }
        accumulate(stats, c);
      }
      cache = { since: sinceMs, historyLength: this.history.length, lastStart, stats };
      this.statsCache = cache;
    }
    const s = cache.stats;
    const merged: WindowStats = {
      high: s.high,
      low: s.low,
      volume: s.volume + current.volume,
      turnover: s.turnover + current.turnover,
      firstOpen: s.firstOpen,
    };
    if (current.traded || s.high === -Infinity) accumulateRange(merged, current);
    return merged;
  }

  /** Close of the candle that contains `ms` (current close when `ms` is in the current minute or later). */
  priceAt(ms: number): number | undefined {
    const current = this.currentCandle;
    if (!current) return undefined;
    if (ms >= current.start) return current.close;
    for (let i = this.history.length - 1; i >= 0; i--) if (this.history[i].start <= ms) return this.history[i].close;
    return this.history.length > 0 ? this.history[0].open : current.open;
  }

  private enforceCapacity(): void {
    if (this.history.length > this.capacity) this.history.splice(0, this.history.length - this.capacity);
  }
}

export function klineRecord(candle: Candle, fmt: KlineFormatters, confirm: boolean, timestamp: number): KlineRecord {
  return {
    start: candle.start,
    end: candle.start + KLINE_INTERVAL_MS - 1,
    interval: '1',
    open: fmt.price.format(candle.open),
    close: fmt.price.format(candle.close),
    high: fmt.price.format(candle.high),
    low: fmt.price.format(candle.low),
    volume: trimDecimal(fmt.size.format(candle.volume)),
    turnover: trimDecimal(fmt.turnover.format(candle.turnover)),
    confirm,
    timestamp,
  };
}

function flatCandle(start: number, price: number): Candle {
  return { start, open: price, high: price, low: price, close: price, volume: 0, turnover: 0, traded: false };
}

function accumulate(stats: WindowStats, c: Candle): void {
  accumulateRange(stats, c);
  stats.volume += c.volume;
  stats.turnover += c.turnover;
}

function accumulateRange(stats: WindowStats, c: Candle): void {
  if (c.high > stats.high) stats.high = c.high;
  if (c.low < stats.low) stats.low = c.low;
}

export interface WarmUpParams {
  /** Volatility per regime, basis points per √second; the walk switches regime about every `meanRegimeMinutes`. */
  readonly regimeVolBpsPerSqrtSec: readonly number[];
  readonly meanRegimeMinutes: number;
  /** Mean traded lots per minute (each minute's volume is log-normal around it, scaled with the regime). */
  readonly meanVolumeLotsPerMinute: number;
}

/**
 * Deterministic 1-minute history for [fromMs, toMs) (minute aligned) ending exactly at `endPriceTicks`, so the
 * live model continues from the last close. A log-price walk sampled per second is generated forward, then
 * anchored so its final value is the end price; OHLC come from the per-second samples.
 */
export function generateWarmUpCandles(
  prng: Prng,
  fromMs: number,
  toMs: number,
  endPriceTicks: number,
  params: WarmUpParams,
): Candle[] {
  const first = minuteStart(fromMs);
  const minutes = Math.max(0, Math.floor((minuteStart(toMs) - first) / KLINE_INTERVAL_MS));
  if (minutes === 0) return [];
  const samples = minutes * 60;
  const walk = new Float64Array(samples + 1);
  const regimeOf = new Uint8Array(minutes);
  const regimes = params.regimeVolBpsPerSqrtSec;
  let regime = Math.min(1, regimes.length - 1);
  for (let m = 0; m < minutes; m++) {
    if (prng.chance(1 / params.meanRegimeMinutes)) regime = prng.int(0, regimes.length);
    regimeOf[m] = regime;
    const sigma = regimes[regime] / 10_000;
    for (let s = 0; s < 60; s++) {
      const k = m * 60 + s;
      walk[k + 1] = walk[k] + sigma * prng.normal();
    }
  }
  const anchor = walk[samples];
  const price = (k: number): number => Math.max(1, Math.round(endPriceTicks * Math.exp(walk[k] - anchor)));
  const candles: Candle[] = new Array<Candle>(minutes);
  for (let m = 0; m < minutes; m++) {
    const open = price(m * 60);
    let high = open;
    let low = open;
    for (let s = 1; s <= 60; s++) {
      const p = price(m * 60 + s);
      if (p > high) high = p;
      if (p < low) low = p;
    }
    const close = price(m * 60 + 60);
    const scale = regimes[regimeOf[m]] / regimes[Math.min(1, regimes.length - 1)];
    const volume = Math.max(1, Math.round(params.meanVolumeLotsPerMinute * scale * prng.logNormal(-0.08, 0.4)));
    const typical = Math.round((open + high + low + close) / 4);
    candles[m] = {
      start: first + m * KLINE_INTERVAL_MS,
      open,
      high,
      low,
      close,
      volume,
      turnover: typical * volume,
      traded: true,
    };
  }
  return candles;
}
