import { DomainError } from '../../common/domain-error';
import { BookGrid, type BookGridSpec } from '../../order-book/domain/book-grid';
import { BookDelta, parseOrderbookMessage } from '../../order-book/domain/order-book.parse';
import { DEFAULT_INSTRUMENTS } from '../../simulator/domain/instrument-universe';

/**
 * The backtest's input: Bybit public WebSocket messages as recorded (one JSON object per line). Only
 * `orderbook.{depth}.{symbol}` snapshots/deltas and `publicTrade.{symbol}` batches drive a backtest; other topics
 * are skipped. Both the JSON path and the binary cache decode into the same reusable objects and hand them to a
 * `RecordingSink`, so everything downstream is fed identically whichever way the recording was read.
 */

export type RecordingErrorCode = 'BAD_RECORDING_LINE' | 'BAD_FILTER';

export class RecordingError extends DomainError<RecordingErrorCode> {
  constructor(code: RecordingErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, 'INVALID', message, details);
  }
}

/** One `publicTrade` message: prices in ticks, sizes in lots, side +1 = taker bought, -1 = taker sold. Reused. */
export class TradeBatch {
  symbol = '';
  /** Message push time (`ts`), ms. */
  ts = 0;
  count = 0;
  times: Float64Array;
  prices: Float64Array;
  sizes: Float64Array;
  sides: Int8Array;

  constructor(capacity = 16) {
    this.times = new Float64Array(capacity);
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.sides = new Int8Array(capacity);
  }

  reserve(count: number): void {
    if (this.times.length >= count) return;
    let size = this.times.length * 2;
    while (size < count) size *= 2;
    this.times = new Float64Array(size);
    this.prices = new Float64Array(size);
    this.sizes = new Float64Array(size);
    this.sides = new Int8Array(size);
  }
}

/** Receives the decoded stream in recorded order. The objects are reused: copy what must outlive the call. */
export interface RecordingSink {
  book(delta: BookDelta): void;
  trades(batch: TradeBatch): void;
}

/** Which part of a recording to replay; times are exchange `ts` in ms, `fromMs` inclusive, `toMs` exclusive. */
export interface RecordingFilter {
  readonly symbols?: ReadonlySet<string>;
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** Parses a `--from`/`--to` value: epoch milliseconds or an ISO-8601 date-time (UTC unless it says otherwise). */
export function parseTimeBound(text: string, name: string): number {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(value)) {
    throw new RecordingError('BAD_FILTER', `${name} must be epoch ms or an ISO-8601 time, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function inFilter(filter: RecordingFilter, symbol: string, ts: number): boolean {
  if (filter.symbols && !filter.symbols.has(symbol)) return false;
  if (filter.fromMs !== undefined && ts < filter.fromMs) return false;
  if (filter.toMs !== undefined && ts >= filter.toMs) return false;
  return true;
}

/** The symbol a topic is about (`orderbook.500.BTCUSDT` → BTCUSDT), or '' for a topic a backtest does not use. */
export function topicKind(topic: unknown): 'orderbook' | 'trade' | undefined {
  if (typeof topic !== 'string') return undefined;
  if (topic.startsWith('orderbook.')) return 'orderbook';
  if (topic.startsWith('publicTrade.')) return 'trade';
  return undefined;
}

/**
 * The price/size grid of a symbol: the known instrument's filters, else the finest grid the first orderbook
 * message of the symbol is written on (decimals of its prices and sizes). A finer grid than the venue's is still
 * exact: it only means more ticks per price.
 */
export type GridResolver = (symbol: string, firstMessage: RecordedObject) => BookGridSpec;

export const defaultGridResolver: GridResolver = (symbol, first) => {
  const known = DEFAULT_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (known) return { tickSize: known.tickSize, qtyStep: known.qtyStep };
  return inferGrid(first);
};

export function inferGrid(message: RecordedObject): BookGridSpec {
  let priceDecimals = 0;
  let sizeDecimals = 0;
  const visit = (price: unknown, size: unknown) => {
    priceDecimals = Math.max(priceDecimals, decimalsIn(price));
    sizeDecimals = Math.max(sizeDecimals, decimalsIn(size));
  };
  const data = message.data as { b?: unknown; a?: unknown } | Array<{ p?: unknown; v?: unknown }> | undefined;
  if (Array.isArray(data)) for (const t of data) visit(t?.p, t?.v);
  else if (data) {
    for (const side of [data.b, data.a]) {
      if (Array.isArray(side)) for (const level of side as unknown[][]) visit(level?.[0], level?.[1]);
    }
  }
  return { tickSize: stepOf(priceDecimals), qtyStep: stepOf(sizeDecimals) };
}

function decimalsIn(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

function stepOf(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

/** A recorded line after JSON.parse: the envelope fields a backtest reads. */
export interface RecordedObject {
  readonly topic?: unknown;
  readonly type?: unknown;
  readonly ts?: unknown;
  readonly data?: unknown;
  readonly [key: string]: unknown;
}

interface RawTrade {
  T?: unknown;
  s?: unknown;
  S?: unknown;
  v?: unknown;
  p?: unknown;
}

/**
 * Turns parsed recording lines into sink calls, reusing one `BookDelta` and one `TradeBatch`. Grids are resolved
 * once per symbol. Pure: no I/O, no clock.
 */
export class RecordingDecoder {
  private readonly grids = new Map<string, BookGrid>();
  private readonly delta = new BookDelta(512);
  private readonly batch = new TradeBatch();
  /** Lines seen, and lines of other topics or outside the filter that were skipped. */
  lines = 0;
  skipped = 0;

  constructor(
    private readonly filter: RecordingFilter = {},
    private readonly resolveGrid: GridResolver = defaultGridResolver,
  ) {}

  /** The grid chosen for each symbol so far (the cache stores them). */
  gridOf(symbol: string): BookGrid | undefined {
    return this.grids.get(symbol);
  }

  symbols(): string[] {
    return [...this.grids.keys()];
  }

  /** Decodes one parsed line; returns the kind delivered to the sink, or undefined when the line was skipped. */
  decode(message: RecordedObject, line: number, sink: RecordingSink): 'book' | 'trades' | undefined {
    this.lines++;
    const kind = topicKind(message.topic);
    const ts = message.ts;
    if (kind === undefined || typeof ts !== 'number') {
      this.skipped++;
      return undefined;
    }
    const symbol = (message.topic as string).slice((message.topic as string).lastIndexOf('.') + 1);
    if (!inFilter(this.filter, symbol, ts)) {
      this.skipped++;
      return undefined;
    }
    const grid = this.grid(symbol, message);
    // Only parsing is wrapped: an error thrown by the sink is the consumer's, not a bad line.
    if (kind === 'orderbook') {
      let delta: BookDelta;
      try {
        delta = parseOrderbookMessage(message, grid, this.delta);
      } catch (error) {
        throw badLine(line, error);
      }
      sink.book(delta);
      return 'book';
    }
    let batch: TradeBatch;
    try {
      batch = this.readTrades(message, symbol, ts, grid);
    } catch (error) {
      throw badLine(line, error);
    }
    sink.trades(batch);
    return 'trades';
  }

  private grid(symbol: string, message: RecordedObject): BookGrid {
    let grid = this.grids.get(symbol);
    if (!grid) {
      grid = BookGrid.of(this.resolveGrid(symbol, message));
      this.grids.set(symbol, grid);
    }
    return grid;
  }

  private readTrades(message: RecordedObject, symbol: string, ts: number, grid: BookGrid): TradeBatch {
    const data = message.data;
    if (!Array.isArray(data)) throw new RecordingError('BAD_RECORDING_LINE', 'publicTrade data must be an array');
    const batch = this.batch;
    batch.reserve(data.length);
    batch.symbol = symbol;
    batch.ts = ts;
    for (let i = 0; i < data.length; i++) {
      const trade = data[i] as RawTrade;
      const price = typeof trade.p === 'string' ? grid.priceTicks(trade.p) : NaN;
      const size = typeof trade.v === 'string' ? grid.sizeLots(trade.v) : NaN;
      if (
        price !== price ||
        size !== size ||
        typeof trade.T !== 'number' ||
        (trade.S !== 'Buy' && trade.S !== 'Sell')
      ) {
        throw new RecordingError('BAD_RECORDING_LINE', `trade ${JSON.stringify(trade)} is malformed or off the grid`);
      }
      batch.times[i] = trade.T;
      batch.prices[i] = price;
      batch.sizes[i] = size;
      batch.sides[i] = trade.S === 'Buy' ? 1 : -1;
    }
    batch.count = data.length;
    return batch;
  }
}

function badLine(line: number, error: unknown): RecordingError {
  const reason = error instanceof Error ? error.message : String(error);
  return new RecordingError('BAD_RECORDING_LINE', `line ${line}: ${reason}`, { line });
}

/** The filter from CLI/API text: `--symbols BTCUSDT,ethusdt`, `--from`/`--to` as epoch ms or ISO-8601. */
export function recordingFilterFrom(options: { symbols?: string; from?: string; to?: string }): RecordingFilter {
  const symbols = options.symbols
    ?.split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
  if (options.symbols !== undefined && (!symbols || symbols.length === 0)) {
    throw new RecordingError('BAD_FILTER', '--symbols must name at least one symbol');
  }
  const fromMs = options.from === undefined ? undefined : parseTimeBound(options.from, '--from');
  const toMs = options.to === undefined ? undefined : parseTimeBound(options.to, '--to');
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new RecordingError('BAD_FILTER', '--from must be before --to');
  }
  return { symbols: symbols ? new Set(symbols) : undefined, fromMs, toMs };
}
