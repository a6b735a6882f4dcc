import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  ADL,
  ADX,
  ATR,
  BollingerBands as TiBollingerBands,
  CCI,
  EMA,
  KeltnerChannels,
  MACD,
  MFI,
  OBV,
  ROC,
  RSI,
  SMA,
  Stochastic as TiStochastic,
  WilliamsR as TiWilliamsR,
} from 'technicalindicators';
import { AdLine } from '../src/features/domain/indicators/ad-line.indicator';
import { Atr } from '../src/features/domain/indicators/atr.indicator';
import { BollingerBands } from '../src/features/domain/indicators/bollinger-bands.indicator';
import { Cci } from '../src/features/domain/indicators/cci.indicator';
import { DirectionalMovement } from '../src/features/domain/indicators/directional-movement.indicator';
import { Ema } from '../src/features/domain/indicators/ema.indicator';
import { IndicatorCandle } from '../src/features/domain/indicators/indicator-candle';
import { KeltnerChannel } from '../src/features/domain/indicators/keltner-channel.indicator';
import { Macd } from '../src/features/domain/indicators/macd.indicator';
import { Mfi } from '../src/features/domain/indicators/mfi.indicator';
import { Obv } from '../src/features/domain/indicators/obv.indicator';
import { Roc } from '../src/features/domain/indicators/roc.indicator';
import { Rsi } from '../src/features/domain/indicators/rsi.indicator';
import { Sma } from '../src/features/domain/indicators/sma.indicator';
import { Stochastic } from '../src/features/domain/indicators/stochastic.indicator';
import { WilliamsR } from '../src/features/domain/indicators/williams-r.indicator';
import { table } from './support';

/**
 * Issue requirement: the incremental indicators are at least 20× faster per closed candle than recomputing the
 * same indicators from a 200-candle window with the `technicalindicators` package.
 *
 * Indicator set (the subset both libraries have, same periods): SMA 10/20/50, EMA 10/20/50, MACD 12/26/9,
 * RSI 14/28, Stochastic 14/3 (ours: slow %K 14/3/3 = their %D 14/3), Williams %R 14, CCI 20, ROC 10, MFI 14,
 * Bollinger 20/2, ATR 14, OBV, A/D line, ADX 14 (+DI/−DI), Keltner EMA 20 ± 2·ATR 10.
 *
 * Real 1m BTCUSDT candles (BENCH_CANDLES_CSV, default the shared 2021-02-19..25 file). 200 candles warm up,
 * then every later candle (at most BENCH_CANDLES, default 4000) is measured:
 *   incremental: one `update` of each project indicator;
 *   recompute:   slice the last 200 candles, run each `X.calculate` over them and take the last value.
 * technicalindicators rounds RSI and MFI to 2 decimals, and seeds MACD's fast EMA at its own lookback, not TA-Lib's;
 * EMA 50 / RSI 28 / ATR / ADX from a 200-candle window also still carry their seed. Differences are reported, not asserted.
 * An untimed pass first warms up the JIT and records both sides' values for the sanity check.
 * OBV and A/D line are cumulative: recomputed from a 200-candle window they restart at the window's first candle,
 * so only their timing (not their value) is comparable.
 */

const DEFAULT_CSV = '/work/shared/data/candles/btcusdt-1m-2021-02-19-to-25.csv';
const WINDOW = 200;

function loadCandles(path: string): IndicatorCandle[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const candles: IndicatorCandle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [openTimeMs, open, high, low, close, volume] = lines[i].split(',').map(Number);
    candles.push({ openTimeMs, open, high, low, close, volume });
  }
  return candles;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function last<T>(values: T[]): T {
  return values[values.length - 1];
}

/** Compared values, in this order, on both sides. */
const COMPARED = [
  'SMA 10',
  'SMA 20',
  'SMA 50',
  'EMA 10',
  'EMA 20',
  'EMA 50',
  'MACD 12/26/9 line',
  'MACD signal',
  'RSI 14',
  'RSI 28',
  'Stoch 14/3 slow %K',
  'Williams %R 14',
  'CCI 20',
  'ROC 10',
  'MFI 14',
  'BBANDS 20/2 upper',
  'BBANDS 20/2 middle',
  'BBANDS 20/2 lower',
  'ATR 14',
  'ADX 14',
  '+DI 14',
  '-DI 14',
  'Keltner 20/10/2 upper',
] as const;

class IncrementalSet {
  readonly sma10 = new Sma(10);
  readonly sma20 = new Sma(20);
  readonly sma50 = new Sma(50);
  readonly ema10 = new Ema(10);
  readonly ema20 = new Ema(20);
  readonly ema50 = new Ema(50);
  readonly macd = new Macd(12, 26, 9);
  readonly rsi14 = new Rsi(14);
  readonly rsi28 = new Rsi(28);
  readonly stochastic = new Stochastic(14, 3, 3);
  readonly williamsR = new WilliamsR(14);
  readonly cci = new Cci(20);
  readonly roc = new Roc(10);
  readonly mfi = new Mfi(14);
  readonly bollinger = new BollingerBands(20, 2);
  readonly atr = new Atr(14);
  readonly obv = new Obv();
  readonly adLine = new AdLine();
  readonly dm = new DirectionalMovement(14);
  readonly keltner = new KeltnerChannel(20, 10, 2);

  update(c: IndicatorCandle): number {
    let s = this.sma10.update(c);
    s += this.sma20.update(c);
    s += this.sma50.update(c);
    s += this.ema10.update(c);
    s += this.ema20.update(c);
    s += this.ema50.update(c);
    s += this.macd.update(c).macd;
    s += this.rsi14.update(c);
    s += this.rsi28.update(c);
    s += this.stochastic.update(c).k;
    s += this.williamsR.update(c);
    s += this.cci.update(c);
    s += this.roc.update(c);
    s += this.mfi.update(c);
    s += this.bollinger.update(c).upper;
    s += this.atr.update(c);
    s += this.obv.update(c);
    s += this.adLine.update(c);
    s += this.dm.update(c).adx;
    s += this.keltner.update(c).upper;
    return s;
  }

  values(): number[] {
    const bb = this.bollinger.value;
    const dm = this.dm.value;
    return [
      this.sma10.value,
      this.sma20.value,
      this.sma50.value,
      this.ema10.value,
      this.ema20.value,
      this.ema50.value,
      this.macd.value.macd,
      this.macd.value.signal,
      this.rsi14.value,
      this.rsi28.value,
      this.stochastic.value.k,
      this.williamsR.value,
      this.cci.value,
      this.roc.value,
      this.mfi.value,
      bb.upper,
      bb.middle,
      bb.lower,
      this.atr.value,
      dm.adx,
      dm.plusDi,
      dm.minusDi,
      this.keltner.value.upper,
    ];
  }
}

interface Columns {
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

/** Every technicalindicators function over the window ending at candle `end` (inclusive); the last value of each. */
function recompute(cols: Columns, end: number): number[] {
  const from = end + 1 - WINDOW;
  const high = cols.high.slice(from, end + 1);
  const low = cols.low.slice(from, end + 1);
  const close = cols.close.slice(from, end + 1);
  const volume = cols.volume.slice(from, end + 1);
  const macd = last(
    MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }),
  );
  const bb = last(TiBollingerBands.calculate({ values: close, period: 20, stdDev: 2 }));
  const adx = last(ADX.calculate({ high, low, close, period: 14 }));
  const keltner = last(
    KeltnerChannels.calculate({ high, low, close, maPeriod: 20, atrPeriod: 10, useSMA: false, multiplier: 2 }),
  );
  const obv = last(OBV.calculate({ close, volume }));
  const adl = last(ADL.calculate({ high, low, close, volume }));
  const values = [
    last(SMA.calculate({ values: close, period: 10 })),
    last(SMA.calculate({ values: close, period: 20 })),
    last(SMA.calculate({ values: close, period: 50 })),
    last(EMA.calculate({ values: close, period: 10 })),
    last(EMA.calculate({ values: close, period: 20 })),
    last(EMA.calculate({ values: close, period: 50 })),
    macd.MACD ?? NaN,
    macd.signal ?? NaN,
    last(RSI.calculate({ values: close, period: 14 })),
    last(RSI.calculate({ values: close, period: 28 })),
    last(TiStochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 })).d,
    last(TiWilliamsR.calculate({ high, low, close, period: 14 })),
    last(CCI.calculate({ high, low, close, period: 20 })),
    last(ROC.calculate({ values: close, period: 10 })),
    last(MFI.calculate({ high, low, close, volume, period: 14 })),
    bb.upper,
    bb.middle,
    bb.lower,
    last(ATR.calculate({ high, low, close, period: 14 })),
    adx.adx,
    adx.pdi,
    adx.mdi,
    keltner.upper,
  ];
  values.push(obv, adl); // timed like the rest; cumulative, so not compared
  return values;
}

export function indicatorsBench(maxCandles = Number(process.env.BENCH_CANDLES ?? 4000)): void {
  const all = loadCandles(process.env.BENCH_CANDLES_CSV ?? DEFAULT_CSV);
  const measured = Math.min(maxCandles, all.length - WINDOW);
  if (measured < 2000)
    throw new Error(`need ≥ 2,000 measured candles after the ${WINDOW}-candle warm-up, have ${measured}`);
  const candles = all.slice(0, WINDOW + measured);
  const cols: Columns = {
    open: candles.map((c) => c.open),
    high: candles.map((c) => c.high),
    low: candles.map((c) => c.low),
    close: candles.map((c) => c.close),
    volume: candles.map((c) => c.volume),
  };

  // untimed pass: JIT warm-up of both paths + sanity values
  const maxRel = new Float64Array(COMPARED.length);
  const maxAbs = new Float64Array(COMPARED.length);
  const check = new IncrementalSet();
  for (let i = 0; i < WINDOW; i++) check.update(candles[i]);
  for (let i = WINDOW; i < candles.length; i++) {
    check.update(candles[i]);
    const ours = check.values();
    const theirs = recompute(cols, i);
    for (let k = 0; k < COMPARED.length; k++) {
      const abs = Math.abs(ours[k] - theirs[k]);
      const rel = abs / Math.max(Math.abs(ours[k]), Math.abs(theirs[k]), 1e-12);
      if (!(abs <= maxAbs[k])) maxAbs[k] = abs; // NaN sticks
      if (!(rel <= maxRel[k])) maxRel[k] = rel;
    }
  }

  let sink = 0;
  // (a) incremental, per-candle timings
  const incremental = new IncrementalSet();
  for (let i = 0; i < WINDOW; i++) sink += incremental.update(candles[i]);
  const incUs = new Float64Array(measured);
  for (let i = 0; i < measured; i++) {
    const c = candles[WINDOW + i];
    const t0 = performance.now();
    sink += incremental.update(c);
    incUs[i] = (performance.now() - t0) * 1000;
  }
  // same loop without per-candle clock reads (the clock costs about as much as the work)
  const bulk = new IncrementalSet();
  for (let i = 0; i < WINDOW; i++) sink += bulk.update(candles[i]);
  let t0 = performance.now();
  for (let i = 0; i < measured; i++) sink += bulk.update(candles[WINDOW + i]);
  const incBulkUs = ((performance.now() - t0) * 1000) / measured;

  // (b) recompute from the last 200 candles with technicalindicators
  const recUs = new Float64Array(measured);
  for (let i = 0; i < measured; i++) {
    t0 = performance.now();
    const v = recompute(cols, WINDOW + i);
    recUs[i] = (performance.now() - t0) * 1000;
    sink += v[0];
  }

  const mean = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const incMean = mean(incUs);
  const recMean = mean(recUs);
  incUs.sort();
  recUs.sort();
  const incP50 = percentile(incUs, 0.5);
  const incP99 = percentile(incUs, 0.99);
  const recP50 = percentile(recUs, 0.5);
  const recP99 = percentile(recUs, 0.99);

  console.log(
    `${measured} real 1m candles after a ${WINDOW}-candle warm-up; 20 indicators ` +
      `(SMA×3, EMA×3, MACD, RSI×2, Stoch, W%R, CCI, ROC, MFI, BBANDS, ATR, OBV, ADL, ADX, Keltner) per candle`,
  );
  table([
    {
      case: 'incremental (project), per-candle clock',
      mean_us: incMean.toFixed(2),
      p50_us: incP50.toFixed(2),
      p99_us: incP99.toFixed(2),
    },
    { case: 'incremental (project), loop mean', mean_us: incBulkUs.toFixed(2), p50_us: '-', p99_us: '-' },
    {
      case: 'recompute 200 (technicalindicators)',
      mean_us: recMean.toFixed(2),
      p50_us: recP50.toFixed(2),
      p99_us: recP99.toFixed(2),
    },
    {
      case: 'ratio recompute / incremental',
      mean_us: (recMean / incMean).toFixed(1),
      p50_us: (recP50 / incP50).toFixed(1),
      p99_us: (recP99 / incP99).toFixed(1),
    },
    { case: 'ratio vs loop mean (target ≥ 20)', mean_us: (recMean / incBulkUs).toFixed(1), p50_us: '-', p99_us: '-' },
  ]);

  console.log(
    'sanity: project (incremental since candle 0) vs technicalindicators (last value of a 200-candle window), max over measured candles',
  );
  table(
    COMPARED.map((name, k) => ({
      indicator: name,
      max_rel_diff: maxRel[k].toExponential(2),
      max_abs_diff: maxAbs[k].toExponential(2),
    })),
  );
  if (sink !== sink) console.log('sink', sink);
}
