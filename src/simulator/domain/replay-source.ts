import { decimalsOf } from '../../common/ticks';
import { SimBook, type BookSide } from './sim-book';
import { StepFormatter, stepOfDecimals } from './sim-book-format';
import type { OrderbookMessage, OrderbookView, PriceSize } from './market-model.messages';
import { ReplayError, type ReplayRecord } from './replay-reader';

/**
 * Publishes a recording instead of the market model. Messages come out unchanged (the record keeps the raw line)
 * at recorded speed or `speed` times faster, scheduled by their `ts` differences and driven by `advance(nowMs)`.
 * A SimBook per symbol follows the replayed orderbook topic, so the matching engine can trade against it.
 *
 * Known limit: fills taken from the book (consume) are not in the recorded stream; the next recorded update of
 * that level overwrites them, as the real market would have moved on without the simulated order.
 */

export interface ReplayInstrument {
  readonly tickSize: string;
  readonly qtyStep: string;
}

export interface ReplayOptions {
  /** Time at which the first record is due. */
  readonly startMs: number;
  /** 1 = recorded speed, 10 = ten times faster, Infinity = everything at once. */
  readonly speed?: number;
  /** Filters per symbol; otherwise inferred from the decimals of the first orderbook message of the symbol. */
  readonly instruments?: Readonly<Record<string, ReplayInstrument>>;
}

export type ReplaySink = (record: ReplayRecord) => void;

interface SymbolBook {
  readonly topic: string;
  readonly symbol: string;
  readonly book: SimBook;
  readonly price: StepFormatter;
  readonly size: StepFormatter;
  lastU: number;
  lastSeq: number;
  lastTs: number;
  lastCts: number;
  /** Deltas whose `u` was not the previous `u` + 1 (a snapshot restarts the count). */
  gaps: number;
}

export class ReplaySource {
  private readonly iterator: Iterator<ReplayRecord>;
  private pending: ReplayRecord | undefined;
  private exhausted = false;
  private readonly books = new Map<string, SymbolBook>();
  private speed: number;
  private anchorMs: number;
  private anchorTs: number | undefined;
  private pausedAtMs: number | undefined;
  private emitted = 0;

  constructor(
    records: Iterable<ReplayRecord>,
    private readonly options: ReplayOptions,
  ) {
    this.iterator = records[Symbol.iterator]();
    this.speed = checkSpeed(options.speed ?? 1);
    this.anchorMs = options.startMs;
    this.pull();
  }

  /** True once every record has been emitted. */
  get done(): boolean {
    return this.pending === undefined;
  }

  get emittedCount(): number {
    return this.emitted;
  }

  get paused(): boolean {
    return this.pausedAtMs !== undefined;
  }

  /** When the next record is due (for the transport's timer); undefined when done or paused. */
  nextDueMs(): number | undefined {
    if (!this.pending || this.paused) return undefined;
    return this.dueMs(this.pending);
  }

  /** Emits, in order, every record due at `nowMs`, applying orderbook records to their book first. */
  advance(nowMs: number, sink: ReplaySink): number {
    if (this.paused) return 0;
    let count = 0;
    while (this.pending && this.dueMs(this.pending) <= nowMs) {
      const record = this.pending;
      if (record.kind === 'orderbook') this.apply(record);
      this.emitted++;
      count++;
      this.pull();
      sink(record);
    }
    return count;
  }

  pause(nowMs: number): void {
    if (this.pausedAtMs === undefined) this.pausedAtMs = nowMs;
  }

  resume(nowMs: number): void {
    if (this.pausedAtMs === undefined) return;
    this.anchorMs += nowMs - this.pausedAtMs;
    this.pausedAtMs = undefined;
  }

  /** Changes speed from `nowMs` on without jumping: what was due stays due, the rest is rescheduled. */
  setSpeed(speed: number, nowMs: number): void {
    const next = checkSpeed(speed);
    if (this.anchorTs !== undefined && Number.isFinite(this.speed)) {
      const at = this.pausedAtMs ?? nowMs;
      this.anchorTs += (at - this.anchorMs) * this.speed;
      this.anchorMs = at;
    } else if (this.pending) {
      this.anchorTs = this.pending.ts;
      this.anchorMs = this.pausedAtMs ?? nowMs;
    }
    this.speed = next;
  }

  /** The book a replayed orderbook topic maintains for `symbol` (the matching engine's LiquiditySource). */
  book(symbol: string): SimBook | undefined {
    return this.books.get(symbol)?.book;
  }

  symbols(): string[] {
    return [...this.books.keys()];
  }

  /**
   * Price and size formatters of a replayed symbol (given or inferred filters), e.g. to serve other depths with an
   * OrderbookPublisher over `book(symbol)`.
   */
  formatters(symbol: string): { readonly price: StepFormatter; readonly size: StepFormatter } | undefined {
    const state = this.books.get(symbol);
    return state ? { price: state.price, size: state.size } : undefined;
  }

  lastU(symbol: string): number | undefined {
    return this.books.get(symbol)?.lastU;
  }

  gapCount(symbol: string): number {
    return this.books.get(symbol)?.gaps ?? 0;
  }

  /**
   * A snapshot of the replayed topic for a subscriber joining mid-replay: the current book with the last `u`,
   * so the recorded deltas that follow apply to it. Undefined until the topic has been replayed.
   */
  snapshotFor(topic: string): OrderbookMessage | undefined {
    for (const state of this.books.values()) {
      if (state.topic !== topic) continue;
      const depth = Number(topic.split('.')[1]);
      return {
        topic,
        type: 'snapshot',
        ts: state.lastTs,
        data: {
          s: state.symbol,
          b: this.format(state, 'bid', depth),
          a: this.format(state, 'ask', depth),
          u: state.lastU,
          seq: state.lastSeq,
        },
        cts: state.lastCts,
      };
    }
    return undefined;
  }

  /** Get Orderbook `result` from the replayed book. */
  orderbookView(symbol: string, limit = 25): OrderbookView | undefined {
    const state = this.books.get(symbol);
    if (!state) return undefined;
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    return {
      s: symbol,
      b: this.format(state, 'bid', n),
      a: this.format(state, 'ask', n),
      ts: state.lastTs,
      u: state.lastU,
      seq: state.lastSeq,
      cts: state.lastCts,
    };
  }

  private dueMs(record: ReplayRecord): number {
    if (this.anchorTs === undefined) this.anchorTs = record.ts;
    if (!Number.isFinite(this.speed)) return this.anchorMs;
    return this.anchorMs + Math.max(0, record.ts - this.anchorTs) / this.speed;
  }

  private pull(): void {
    if (this.exhausted) {
      this.pending = undefined;
      return;
    }
    const next = this.iterator.next();
    if (next.done) {
      this.exhausted = true;
      this.pending = undefined;
    } else {
      this.pending = next.value;
    }
  }

  private apply(record: Extract<ReplayRecord, { kind: 'orderbook' }>): void {
    let state = this.books.get(record.symbol);
    if (!state) state = this.createState(record);
    // The first orderbook topic seen for a symbol owns its book; other depths are only re-emitted.
    if (state.topic !== record.topic) return;
    const { data, type } = record.message;
    if (type === 'snapshot') {
      state.book.clear();
      state.gaps = 0;
    } else if (data.u !== state.lastU + 1) {
      state.gaps++;
    }
    this.applyLevels(state, 'bid', data.b, record.line);
    this.applyLevels(state, 'ask', data.a, record.line);
    state.lastU = data.u;
    state.lastSeq = data.seq;
    state.lastTs = record.ts;
    state.lastCts = record.message.cts;
  }

  private applyLevels(state: SymbolBook, side: BookSide, levels: readonly PriceSize[], line: number): void {
    for (const [price, size] of levels) {
      let priceTicks: number;
      let sizeLots: number;
      try {
        priceTicks = state.price.parse(price);
        sizeLots = state.size.parse(size);
      } catch {
        throw new ReplayError(
          'OFF_GRID_VALUE',
          line,
          `${price} x ${size} is off the ${state.price.step} / ${state.size.step} grid`,
        );
      }
      state.book.setLevel(side, priceTicks, sizeLots);
    }
  }

  private createState(record: Extract<ReplayRecord, { kind: 'orderbook' }>): SymbolBook {
    const given = this.options.instruments?.[record.symbol];
    const { b, a } = record.message.data;
    const priceStep = given?.tickSize ?? stepOfDecimals(maxDecimals(b, a, 0));
    const sizeStep = given?.qtyStep ?? stepOfDecimals(maxDecimals(b, a, 1));
    const state: SymbolBook = {
      topic: record.topic,
      symbol: record.symbol,
      book: new SimBook(),
      price: new StepFormatter(priceStep),
      size: new StepFormatter(sizeStep),
      lastU: record.message.data.u - 1,
      lastSeq: 0,
      lastTs: record.ts,
      lastCts: record.message.cts,
      gaps: 0,
    };
    this.books.set(record.symbol, state);
    return state;
  }

  private format(state: SymbolBook, side: BookSide, n: number): PriceSize[] {
    const count = Math.min(n, state.book.levelCount(side));
    const out: PriceSize[] = new Array<PriceSize>(count);
    for (let i = 0; i < count; i++)
      out[i] = [
        state.price.format(state.book.priceAt(side, i) as number),
        state.size.format(state.book.sizeAt(side, i)),
      ];
    return out;
  }
}

function maxDecimals(b: readonly PriceSize[], a: readonly PriceSize[], index: 0 | 1): number {
  let max = 0;
  for (const level of b) max = Math.max(max, decimalsOf(level[index]));
  for (const level of a) max = Math.max(max, decimalsOf(level[index]));
  return max;
}

function checkSpeed(speed: number): number {
  if (!(speed > 0)) throw new RangeError(`replay speed must be > 0, got ${speed}`);
  return speed;
}
