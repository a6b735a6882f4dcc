import type { BookSide, SimBook } from './sim-book';
import type { StepFormatter } from './sim-book-format';
import {
  LEVEL1_RESEND_MS,
  ORDERBOOK_PUSH_MS,
  orderbookTopic,
  type OrderbookDepth,
  type OrderbookMessage,
  type PriceSize,
} from './market-model.messages';

/**
 * One `orderbook.{depth}.{symbol}` stream over a SimBook. It remembers the top-N window it last sent and, at each
 * push, sends exactly the levels that differ: changed sizes, levels that entered the window (even unchanged ones
 * uncovered by a level that left) and levels that left it (size "0"). `u` grows by exactly 1 per message, `seq`
 * strictly increases; the first message is a snapshot; level 1 sends snapshots only and repeats the last one with
 * the same `u` after 3 s without change (BYBIT.md §6.1).
 */
export class OrderbookPublisher {
  readonly topic: string;
  readonly intervalMs: number;
  private readonly sentBidPrices: number[] = [];
  private readonly sentBidSizes: number[] = [];
  private readonly sentAskPrices: number[] = [];
  private readonly sentAskSizes: number[] = [];
  private u: number;
  private lastSeq = 0;
  private lastTs = 0;
  private lastCts = 0;
  private seenVersion = -1;
  private started = false;
  private gapPending = false;
  private resetPending = false;
  private snapshotPending = false;

  constructor(
    readonly depth: OrderbookDepth,
    readonly symbol: string,
    private readonly book: SimBook,
    private readonly prices: StepFormatter,
    private readonly sizes: StepFormatter,
    firstU: number,
  ) {
    this.topic = orderbookTopic(depth, symbol);
    this.intervalMs = ORDERBOOK_PUSH_MS[depth];
    this.u = firstU - 1;
  }

  /** `u` of the last message sent (firstU − 1 before the first one). */
  get lastU(): number {
    return this.u;
  }

  get hasStarted(): boolean {
    return this.started;
  }

  /** The next message skips one `u` (fault injection: the client must detect the gap and resubscribe). */
  forceGap(): void {
    this.gapPending = true;
  }

  /** The next message is a snapshot with `u` = 1: a Bybit service restart (overwrite, not a gap). */
  forceReset(): void {
    this.resetPending = true;
  }

  /** The next message is a snapshot continuing the `u` sequence (Bybit re-sends one after trouble on its side). */
  forceSnapshot(): void {
    this.snapshotPending = true;
  }

  /** A push boundary at `ts`: the message to send, or undefined when nothing in the window changed. */
  publish(ts: number, cts: number, seq: number): OrderbookMessage | undefined {
    if (!this.started || this.resetPending || this.snapshotPending) return this.captureSnapshot(ts, cts, seq);
    const version = this.book.version;
    if (this.depth === 1) {
      const changed = version !== this.seenVersion && this.topChanged();
      this.seenVersion = version;
      if (changed) return this.captureSnapshot(ts, cts, seq);
      // Level 1 repeats its last snapshot, same u, after 3 s of silence.
      return ts - this.lastTs >= LEVEL1_RESEND_MS ? this.resend(ts) : undefined;
    }
    if (version === this.seenVersion) return undefined;
    this.seenVersion = version;
    const b = this.diffSide('bid', this.sentBidPrices, this.sentBidSizes);
    const a = this.diffSide('ask', this.sentAskPrices, this.sentAskSizes);
    if (b.length === 0 && a.length === 0) return undefined;
    return this.message('delta', b, a, ts, cts, seq);
  }

  /**
   * The snapshot a new subscriber gets first: the window as last sent with the current `u`, so the deltas that
   * follow apply to it. Before the first push it starts the stream (that snapshot is the topic's first message).
   */
  snapshot(ts: number, cts: number, seq: number): OrderbookMessage {
    if (!this.started) return this.captureSnapshot(ts, cts, seq);
    return {
      topic: this.topic,
      type: 'snapshot',
      ts: this.lastTs,
      data: {
        s: this.symbol,
        b: this.formatWindow(this.sentBidPrices, this.sentBidSizes),
        a: this.formatWindow(this.sentAskPrices, this.sentAskSizes),
        u: this.u,
        seq: this.lastSeq,
      },
      cts: this.lastCts,
    };
  }

  private captureSnapshot(ts: number, cts: number, seq: number): OrderbookMessage {
    this.book.copyTop('bid', this.depth, this.sentBidPrices, this.sentBidSizes);
    this.book.copyTop('ask', this.depth, this.sentAskPrices, this.sentAskSizes);
    this.seenVersion = this.book.version;
    this.started = true;
    this.snapshotPending = false;
    const b = this.formatWindow(this.sentBidPrices, this.sentBidSizes);
    const a = this.formatWindow(this.sentAskPrices, this.sentAskSizes);
    return this.message('snapshot', b, a, ts, cts, seq);
  }

  private resend(ts: number): OrderbookMessage {
    const message = this.snapshot(ts, this.lastCts, this.lastSeq);
    message.ts = ts;
    this.lastTs = ts;
    return message;
  }

  private message(
    type: 'snapshot' | 'delta',
    b: PriceSize[],
    a: PriceSize[],
    ts: number,
    cts: number,
    seq: number,
  ): OrderbookMessage {
    if (this.resetPending) {
      this.resetPending = false;
      this.gapPending = false;
      this.u = 1;
    } else {
      this.u += this.gapPending ? 2 : 1;
      this.gapPending = false;
    }
    this.lastSeq = seq > this.lastSeq ? seq : this.lastSeq + 1;
    this.lastTs = ts;
    this.lastCts = cts;
    return { topic: this.topic, type, ts, data: { s: this.symbol, b, a, u: this.u, seq: this.lastSeq }, cts };
  }

  private topChanged(): boolean {
    const book = this.book;
    return (
      book.priceAt('bid', 0) !== this.sentBidPrices[0] ||
      book.sizeAt('bid', 0) !== (this.sentBidSizes[0] ?? 0) ||
      book.priceAt('ask', 0) !== this.sentAskPrices[0] ||
      book.sizeAt('ask', 0) !== (this.sentAskSizes[0] ?? 0)
    );
  }

  /** Merge of two best-first lists: the current window against the one last sent; then remembers the current one. */
  private diffSide(side: BookSide, sentPrices: number[], sentSizes: number[]): PriceSize[] {
    const book = this.book;
    const out: PriceSize[] = [];
    const current = Math.min(this.depth, book.levelCount(side));
    const sent = sentPrices.length;
    const bid = side === 'bid';
    let i = 0;
    let j = 0;
    while (i < current || j < sent) {
      const cp = i < current ? (book.priceAt(side, i) as number) : 0;
      const sp = j < sent ? sentPrices[j] : 0;
      if (j >= sent || (i < current && (bid ? cp > sp : cp < sp))) {
        out.push([this.prices.format(cp), this.sizes.format(book.sizeAt(side, i))]);
        i++;
      } else if (i >= current || (bid ? sp > cp : sp < cp)) {
        out.push([this.prices.format(sp), '0']);
        j++;
      } else {
        const size = book.sizeAt(side, i);
        if (size !== sentSizes[j]) out.push([this.prices.format(cp), this.sizes.format(size)]);
        i++;
        j++;
      }
    }
    book.copyTop(side, this.depth, sentPrices, sentSizes);
    return out;
  }

  private formatWindow(prices: readonly number[], sizes: readonly number[]): PriceSize[] {
    const out: PriceSize[] = new Array<PriceSize>(prices.length);
    for (let i = 0; i < prices.length; i++) out[i] = [this.prices.format(prices[i]), this.sizes.format(sizes[i])];
    return out;
  }
}
