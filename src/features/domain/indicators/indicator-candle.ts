/** A closed candle as the indicators read it: prices in USDT, volume in base coin, open time in exchange ms. */
export interface IndicatorCandle {
  readonly openTimeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** TA-Lib's TA_IS_ZERO (ta_utility.h): |v| < 1e-14. */
export function isTaZero(value: number): boolean {
  return -1e-14 < value && value < 1e-14;
}

/** TA-Lib's TA_IS_ZERO_OR_NEG: v < 1e-14. */
export function isTaZeroOrNegative(value: number): boolean {
  return value < 1e-14;
}

/** (H + L + C)/3, added in that order as TA-Lib's CCI and MFI do. */
export function typicalPrice(candle: IndicatorCandle): number {
  return (candle.high + candle.low + candle.close) / 3;
}

/** TA-Lib's TRUE_RANGE macro: max(H − L, |C₋₁ − H|, |C₋₁ − L|), compared in that order. */
export function trueRange(high: number, low: number, previousClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(previousClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(previousClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

/** Close location value ((C − L) − (H − C))/(H − L); 0 when H ≤ L (TA-Lib's AD guard). */
export function closeLocationValue(candle: IndicatorCandle): number {
  const range = candle.high - candle.low;
  return range > 0 ? (candle.close - candle.low - (candle.high - candle.close)) / range : 0;
}
