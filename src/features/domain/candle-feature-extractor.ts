import { IndicatorCandle } from './indicators/indicator-candle';
import { RollingWindow } from './indicators/rolling-window';
import { CANDLE_FEATURE_COUNT, CD } from './feature-names';

const N = 20;
const LN2 = Math.LN2;
const GK = 2 * Math.LN2 - 1;
/** FEATURES.md neutrals by candle-channel index; NaN = "the close". */
const NEUTRAL = new Float64Array(CANDLE_FEATURE_COUNT);
NEUTRAL[CD.Open] = NaN;
NEUTRAL[CD.High] = NaN;
NEUTRAL[CD.Low] = NaN;
NEUTRAL[CD.Close] = NaN;
NEUTRAL[CD.TypicalPrice] = NaN;
NEUTRAL[CD.VolumeWeightedPrice] = NaN;
NEUTRAL[CD.VolumeMaRatio] = 1;

/**
 * Candle features 51–75 (FEATURES.md §3) from closed 1-minute candles. `onCandle` is O(1) (20-slot rings with
 * running sums); values hold between candles. Before the first candle the prices take the mid passed to `write`
 * and everything else its neutral. A feature before its L shows its neutral and is flagged not ready.
 */
export class CandleFeatureExtractor {
  private readonly values = new Float64Array(CANDLE_FEATURE_COUNT);
  private readonly readiness = new Uint8Array(CANDLE_FEATURE_COUNT);
  private candles = 0;
  private prevOpen = 0;
  private prevClose = 0;
  private prevVolume = 0;
  private readonly squaredLogReturns = new RollingWindow(N);
  private readonly squaredLogRanges = new RollingWindow(N);
  private readonly garmanKlass = new RollingWindow(N);
  private readonly volumes = new RollingWindow(N);
  private readonly priceVolumes = new RollingWindow(N);

  get count(): number {
    return this.candles;
  }

  onCandle(c: IndicatorCandle): void {
    const index = this.candles++;
    const { open: o, high: h, low: l, close: cl, volume: vol } = c;
    const v = this.values;
    const r = this.readiness;
    const tp = (h + l + cl) / 3;
    const range = h - l;
    const body = Math.abs(cl - o);
    const upper = h - (o > cl ? o : cl);
    const lower = (o < cl ? o : cl) - l;
    v[CD.Open] = o;
    v[CD.High] = h;
    v[CD.Low] = l;
    v[CD.Close] = cl;
    v[CD.Volume] = vol;
    v[CD.TypicalPrice] = tp;
    v[CD.HighLowRange] = o !== 0 ? range / o : 0;
    v[CD.CloseOpenDiff] = o !== 0 ? (cl - o) / o : 0;
    v[CD.UpperShadow] = o !== 0 ? upper / o : 0;
    v[CD.LowerShadow] = o !== 0 ? lower / o : 0;
    v[CD.BodySize] = o !== 0 ? body / o : 0;
    v[CD.MoneyFlow] = tp * vol;
    v[CD.DojiStrength] = range > 0 ? 1 - body / range : 1;
    v[CD.HammerStrength] = range > 0 && lower >= 2 * body ? (lower / range) * (1 - upper / range) : 0;

    const hasPrevious = index >= 1;
    const c1 = this.prevClose;
    const logReturn = hasPrevious && c1 > 0 && cl > 0 ? Math.log(cl / c1) : 0;
    v[CD.Returns] = hasPrevious && c1 !== 0 ? cl / c1 - 1 : 0;
    v[CD.LogReturns] = logReturn;
    v[CD.VolumeChangeRate] = hasPrevious && this.prevVolume !== 0 ? vol / this.prevVolume - 1 : 0;
    v[CD.PriceVolumeTrend] = hasPrevious && c1 !== 0 ? (vol * (cl - c1)) / c1 : 0;
    v[CD.GapSize] = hasPrevious && c1 !== 0 ? (o - c1) / c1 : 0;
    let engulfing = 0;
    if (hasPrevious && body > 0) {
      const o1 = this.prevOpen;
      const body1 = Math.abs(c1 - o1);
      if (c1 < o1 && cl > o && o <= c1 && cl >= o1) engulfing = 1 - body1 / body;
      else if (c1 > o1 && cl < o && o >= c1 && cl <= o1) engulfing = -(1 - body1 / body);
    }
    v[CD.EngulfingStrength] = engulfing;

    if (hasPrevious) this.squaredLogReturns.push(logReturn * logReturn);
    const logRange = h > 0 && l > 0 ? Math.log(h / l) : 0;
    const logBody = o > 0 && cl > 0 ? Math.log(cl / o) : 0;
    this.squaredLogRanges.push(logRange * logRange);
    this.garmanKlass.push(0.5 * logRange * logRange - GK * logBody * logBody);
    this.volumes.push(vol);
    this.priceVolumes.push(tp * vol);

    const realized = this.squaredLogReturns.full;
    const windowed = this.volumes.full;
    v[CD.RealizedVolatility] = realized ? Math.sqrt(Math.max(0, this.squaredLogReturns.sum)) : 0;
    v[CD.ParkinsonVolatility] = windowed ? Math.sqrt(Math.max(0, this.squaredLogRanges.sum) / (4 * LN2 * N)) : 0;
    v[CD.GarmanKlassVolatility] = windowed ? Math.sqrt(Math.max(0, this.garmanKlass.sum / N)) : 0;
    const volumeMean = this.volumes.sum / N;
    v[CD.VolumeMaRatio] = windowed && volumeMean > 0 ? vol / volumeMean : 1;
    v[CD.VolumeWeightedPrice] = windowed && this.volumes.sum > 0 ? this.priceVolumes.sum / this.volumes.sum : cl;

    for (let i = 0; i < CANDLE_FEATURE_COUNT; i++) {
      const x = v[i];
      // extreme inputs (e.g. a denormal open) can overflow a guarded ratio: fall back to the neutral
      if (x - x !== 0) v[i] = NEUTRAL[i] !== NEUTRAL[i] ? cl : NEUTRAL[i];
    }
    r.fill(1);
    const first = hasPrevious ? 1 : 0;
    r[CD.Returns] = first;
    r[CD.LogReturns] = first;
    r[CD.VolumeChangeRate] = first;
    r[CD.PriceVolumeTrend] = first;
    r[CD.EngulfingStrength] = first;
    r[CD.GapSize] = first;
    r[CD.RealizedVolatility] = realized ? 1 : 0;
    const w = windowed ? 1 : 0;
    r[CD.ParkinsonVolatility] = w;
    r[CD.GarmanKlassVolatility] = w;
    r[CD.VolumeMaRatio] = w;
    r[CD.VolumeWeightedPrice] = w;

    this.prevOpen = o;
    this.prevClose = cl;
    this.prevVolume = vol;
  }

  /** Copies the 25 features at `offset`; `mid` stands in for prices before the first candle. */
  write(out: Float64Array, offset: number, ready: Uint8Array, mid: number): void {
    if (this.candles === 0) {
      for (let i = 0; i < CANDLE_FEATURE_COUNT; i++) {
        out[offset + i] = 0;
        ready[offset + i] = 0;
      }
      out[offset + CD.Open] = mid;
      out[offset + CD.High] = mid;
      out[offset + CD.Low] = mid;
      out[offset + CD.Close] = mid;
      out[offset + CD.TypicalPrice] = mid;
      out[offset + CD.VolumeMaRatio] = 1;
      out[offset + CD.VolumeWeightedPrice] = mid;
      return;
    }
    for (let i = 0; i < CANDLE_FEATURE_COUNT; i++) {
      out[offset + i] = this.values[i];
      ready[offset + i] = this.readiness[i];
    }
  }
}
