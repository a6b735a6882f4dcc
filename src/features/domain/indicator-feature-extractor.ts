import { AdLine } from './indicators/ad-line.indicator';
import { Atr } from './indicators/atr.indicator';
import { BollingerBands } from './indicators/bollinger-bands.indicator';
import { Cci } from './indicators/cci.indicator';
import { Cmf } from './indicators/cmf.indicator';
import { DirectionalMovement } from './indicators/directional-movement.indicator';
import { Ema } from './indicators/ema.indicator';
import { IndicatorCandle } from './indicators/indicator-candle';
import { KeltnerChannel } from './indicators/keltner-channel.indicator';
import { Macd } from './indicators/macd.indicator';
import { Mfi } from './indicators/mfi.indicator';
import { Momentum } from './indicators/momentum.indicator';
import { Nvi } from './indicators/nvi.indicator';
import { Obv } from './indicators/obv.indicator';
import { Roc } from './indicators/roc.indicator';
import { Rsi } from './indicators/rsi.indicator';
import { Sma } from './indicators/sma.indicator';
import { Stochastic } from './indicators/stochastic.indicator';
import { Vpt } from './indicators/vpt.indicator';
import { Vwap } from './indicators/vwap.indicator';
import { WilliamsR } from './indicators/williams-r.indicator';
import { IND, INDICATOR_FEATURE_COUNT } from './feature-names';

/** Indicators whose neutral is "the last close" (before any candle: the mid). */
const PRICE_LIKE: readonly number[] = [
  IND.Sma10,
  IND.Sma20,
  IND.Sma50,
  IND.Ema10,
  IND.Ema20,
  IND.Ema50,
  IND.BollingerUpper,
  IND.BollingerMiddle,
  IND.BollingerLower,
  IND.KeltnerUpper,
  IND.KeltnerLower,
  IND.Vwap,
];

/**
 * Indicator features 76–110 (FEATURES.md §4): one incremental, TA-Lib-exact instance of each indicator.
 * `onCandle` is O(1) per closed candle (O(n) for small n: HH/LL, CCI) and stores the 35 values; `write` copies them.
 * Before an indicator's L its FEATURES.md neutral is shown and flagged not ready; before any candle price-like
 * features take the mid passed to `write`.
 */
export class IndicatorFeatureExtractor {
  readonly sma10 = new Sma(10);
  readonly sma20 = new Sma(20);
  readonly sma50 = new Sma(50);
  readonly ema10 = new Ema(10);
  readonly ema20 = new Ema(20);
  readonly ema50 = new Ema(50);
  readonly macd = new Macd(12, 26, 9);
  readonly dm = new DirectionalMovement(14);
  readonly rsi14 = new Rsi(14);
  readonly rsi28 = new Rsi(28);
  readonly stochastic = new Stochastic(14, 3, 3);
  readonly williamsR = new WilliamsR(14);
  readonly cci = new Cci(20);
  readonly momentum = new Momentum(10);
  readonly roc = new Roc(10);
  readonly mfi = new Mfi(14);
  readonly bollinger = new BollingerBands(20, 2);
  readonly atr = new Atr(14);
  readonly keltner = new KeltnerChannel(20, 10, 2);
  readonly obv = new Obv();
  readonly vwap = new Vwap();
  readonly adLine = new AdLine();
  readonly cmf = new Cmf(20);
  readonly vpt = new Vpt();
  readonly nvi = new Nvi();

  private readonly values = new Float64Array(INDICATOR_FEATURE_COUNT);
  private readonly readiness = new Uint8Array(INDICATOR_FEATURE_COUNT);
  private candles = 0;

  get count(): number {
    return this.candles;
  }

  onCandle(candle: IndicatorCandle): void {
    this.candles++;
    const close = candle.close;

    this.set(IND.Sma10, this.sma10.update(candle), this.sma10.ready, close);
    this.set(IND.Sma20, this.sma20.update(candle), this.sma20.ready, close);
    this.set(IND.Sma50, this.sma50.update(candle), this.sma50.ready, close);
    this.set(IND.Ema10, this.ema10.update(candle), this.ema10.ready, close);
    this.set(IND.Ema20, this.ema20.update(candle), this.ema20.ready, close);
    this.set(IND.Ema50, this.ema50.update(candle), this.ema50.ready, close);
    const macd = this.macd.update(candle);
    const macdReady = this.macd.ready;
    this.set(IND.Macd, macd.macd, macdReady, 0);
    this.set(IND.MacdSignal, macd.signal, macdReady, 0);
    this.set(IND.MacdHistogram, macd.histogram, macdReady, 0);
    const dm = this.dm.update(candle);
    this.set(IND.Adx, dm.adx, this.dm.adxReady, 0);
    this.set(IND.PlusDi, dm.plusDi, this.dm.ready, 0);
    this.set(IND.MinusDi, dm.minusDi, this.dm.ready, 0);
    this.set(IND.Rsi14, this.rsi14.update(candle), this.rsi14.ready, 50);
    this.set(IND.Rsi28, this.rsi28.update(candle), this.rsi28.ready, 50);
    const stochastic = this.stochastic.update(candle);
    this.set(IND.StochasticK, stochastic.k, this.stochastic.ready, 50);
    this.set(IND.StochasticD, stochastic.d, this.stochastic.ready, 50);
    this.set(IND.WilliamsR, this.williamsR.update(candle), this.williamsR.ready, -50);
    this.set(IND.Cci, this.cci.update(candle), this.cci.ready, 0);
    this.set(IND.Momentum10, this.momentum.update(candle), this.momentum.ready, 0);
    this.set(IND.Roc, this.roc.update(candle), this.roc.ready, 0);
    this.set(IND.Mfi, this.mfi.update(candle), this.mfi.ready, 50);
    const bands = this.bollinger.update(candle);
    const bandsReady = this.bollinger.ready;
    this.set(IND.BollingerUpper, bands.upper, bandsReady, close);
    this.set(IND.BollingerMiddle, bands.middle, bandsReady, close);
    this.set(IND.BollingerLower, bands.lower, bandsReady, close);
    this.set(IND.BollingerWidth, bands.width, bandsReady, 0);
    this.set(IND.BollingerPct, bands.percentB, bandsReady, 0.5);
    this.set(IND.Atr14, this.atr.update(candle), this.atr.ready, 0);
    const keltner = this.keltner.update(candle);
    this.set(IND.KeltnerUpper, keltner.upper, this.keltner.ready, close);
    this.set(IND.KeltnerLower, keltner.lower, this.keltner.ready, close);
    this.set(IND.Obv, this.obv.update(candle), this.obv.ready, 0);
    this.set(IND.Vwap, this.vwap.update(candle), this.vwap.ready, close);
    this.set(IND.AdLine, this.adLine.update(candle), this.adLine.ready, 0);
    this.set(IND.Cmf, this.cmf.update(candle), this.cmf.ready, 0);
    this.set(IND.Vpt, this.vpt.update(candle), this.vpt.ready, 0);
    this.set(IND.Nvi, this.nvi.update(candle), this.nvi.ready, 1000);
  }

  /** Copies the 35 features at `offset`; `mid` stands in for price-like features before the first candle. */
  write(out: Float64Array, offset: number, ready: Uint8Array, mid: number): void {
    if (this.candles === 0) {
      for (let i = 0; i < INDICATOR_FEATURE_COUNT; i++) {
        out[offset + i] = 0;
        ready[offset + i] = 0;
      }
      for (let i = 0; i < PRICE_LIKE.length; i++) out[offset + PRICE_LIKE[i]] = mid;
      out[offset + IND.Rsi14] = 50;
      out[offset + IND.Rsi28] = 50;
      out[offset + IND.StochasticK] = 50;
      out[offset + IND.StochasticD] = 50;
      out[offset + IND.WilliamsR] = -50;
      out[offset + IND.Mfi] = 50;
      out[offset + IND.BollingerPct] = 0.5;
      out[offset + IND.Nvi] = 1000;
      return;
    }
    for (let i = 0; i < INDICATOR_FEATURE_COUNT; i++) {
      out[offset + i] = this.values[i];
      ready[offset + i] = this.readiness[i];
    }
  }

  private set(index: number, value: number, ready: boolean, neutral: number): void {
    const ok = ready && Number.isFinite(value);
    this.values[index] = ok ? value : neutral;
    this.readiness[index] = ready ? 1 : 0;
  }
}
