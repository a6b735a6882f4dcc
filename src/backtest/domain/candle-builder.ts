import type { Candle } from '../../market-data/domain/candle-series';

const MINUTE_MS = 60_000;

/**
 * 1-minute candles from public trades, for the features' candle indicators in a backtest (live they come from
 * Bybit's kline stream, which a recording of orderbook + publicTrade does not hold). A candle closes when the first
 * trade of a later minute arrives; minutes without a trade produce no candle (Bybit prints a flat one; the
 * indicators see a gap instead). Turnover = Σ price × size.
 */
export class CandleBuilder {
  private openTimeMs = Number.NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private turnover = 0;

  /** One trade; returns the candle it closed, if any. */
  onTrade(timeMs: number, price: number, size: number): Candle | undefined {
    const minute = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
    let closed: Candle | undefined;
    if (minute !== this.openTimeMs) {
      if (minute < this.openTimeMs) return undefined; // a late trade of a closed minute: ignored
      if (!Number.isNaN(this.openTimeMs)) closed = this.current();
      this.openTimeMs = minute;
      this.open = this.high = this.low = price;
      this.volume = 0;
      this.turnover = 0;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.close = price;
    this.volume += size;
    this.turnover += price * size;
    return closed;
  }

  private current(): Candle {
    return {
      openTimeMs: this.openTimeMs,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      turnover: this.turnover,
    };
  }
}
