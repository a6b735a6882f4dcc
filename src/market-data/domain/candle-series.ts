/**
 * A closed 1-minute candle as the bot keeps it: prices in USDT, volume in base coin, open time in exchange ms.
 * Structurally what the features' indicators read (features depend on market data, not the other way round).
 */
export interface Candle {
  readonly openTimeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly turnover: number;
}

export type CandleAcceptance = 'appended' | 'duplicate' | 'out-of-order' | 'gap-filled';

/**
 * The closed 1-minute candles of one symbol, oldest first, in a fixed-size ring: history back-filled from REST at
 * start, then extended by the stream's confirmed klines. A candle at or before the last one is a duplicate (REST and
 * WS overlap at the seam) and ignored, so indicators never see a minute twice.
 */
export class CandleSeries {
  private readonly ring: Array<Candle | undefined>;
  private start = 0;
  private size = 0;
  private live: Candle | undefined;

  constructor(
    readonly symbol: string,
    readonly capacity = 1000,
    private readonly intervalMs = 60_000,
  ) {
    this.ring = new Array<Candle | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  get last(): Candle | undefined {
    return this.size === 0 ? undefined : this.ring[(this.start + this.size - 1) % this.capacity];
  }

  /** The candle still forming (last unconfirmed kline), if any. */
  get current(): Candle | undefined {
    return this.live;
  }

  /** Adds a closed candle; reports whether it extended the series. */
  appendClosed(candle: Candle): CandleAcceptance {
    const last = this.last;
    if (last && candle.openTimeMs <= last.openTimeMs)
      return candle.openTimeMs === last.openTimeMs ? 'duplicate' : 'out-of-order';
    const gap = last !== undefined && candle.openTimeMs - last.openTimeMs > this.intervalMs;
    if (this.size < this.capacity) {
      this.ring[(this.start + this.size) % this.capacity] = candle;
      this.size += 1;
    } else {
      this.ring[this.start] = candle;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.live && this.live.openTimeMs <= candle.openTimeMs) this.live = undefined;
    return gap ? 'gap-filled' : 'appended';
  }

  updateLive(candle: Candle): void {
    const last = this.last;
    if (!last || candle.openTimeMs > last.openTimeMs) this.live = candle;
  }

  /** The newest `limit` closed candles, oldest first. */
  history(limit = this.size): Candle[] {
    const n = Math.min(limit, this.size);
    const out: Candle[] = [];
    for (let i = this.size - n; i < this.size; i++) out.push(this.ring[(this.start + i) % this.capacity] as Candle);
    return out;
  }
}
