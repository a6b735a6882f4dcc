import { DomainError } from '../../common/domain-error';
import { parseUnits } from '../../common/ticks';
import { BookGrid } from './book-grid';

export type BookDeltaType = 'snapshot' | 'delta';

export type OrderBookParseErrorCode = 'NOT_JSON' | 'NOT_ORDERBOOK' | 'BAD_LEVEL';

export class OrderBookParseError extends DomainError<OrderBookParseErrorCode> {
  constructor(code: OrderBookParseErrorCode, message: string) {
    super(code, 'INVALID', message);
  }
}

/**
 * One parsed `orderbook.{depth}.{symbol}` message: prices in ticks, sizes in lots (0 = delete), in typed arrays
 * that grow on demand and are reused when the same `BookDelta` is passed back to the parser.
 */
export class BookDelta {
  symbol = '';
  type: BookDeltaType = 'delta';
  /** Bybit's update id (`data.u`): +1 per delta, 1 after a service restart. */
  u = 0;
  /** Cross-depth sequence (`data.seq`): increasing, not consecutive. */
  seq = 0;
  /** Exchange push time (`ts`) and matching-engine time (`cts`), ms. */
  ts = 0;
  cts = 0;
  bidCount = 0;
  askCount = 0;
  bidPrices: Float64Array;
  bidSizes: Float64Array;
  askPrices: Float64Array;
  askSizes: Float64Array;

  constructor(capacity = 64) {
    this.bidPrices = new Float64Array(capacity);
    this.bidSizes = new Float64Array(capacity);
    this.askPrices = new Float64Array(capacity);
    this.askSizes = new Float64Array(capacity);
  }

  /** Makes room for `bids`/`asks` levels; reallocates only when a message is larger than any seen before. */
  reserve(bids: number, asks: number): void {
    if (this.bidPrices.length < bids) {
      const size = grow(this.bidPrices.length, bids);
      this.bidPrices = new Float64Array(size);
      this.bidSizes = new Float64Array(size);
    }
    if (this.askPrices.length < asks) {
      const size = grow(this.askPrices.length, asks);
      this.askPrices = new Float64Array(size);
      this.askSizes = new Float64Array(size);
    }
  }

  /** Test and replay helper: a delta from tick/lot pairs. */
  static of(
    type: BookDeltaType,
    u: number,
    bids: ReadonlyArray<readonly [number, number]>,
    asks: ReadonlyArray<readonly [number, number]>,
    ts = 0,
    seq = u,
  ): BookDelta {
    const delta = new BookDelta(Math.max(1, bids.length, asks.length));
    delta.type = type;
    delta.u = u;
    delta.seq = seq;
    delta.ts = ts;
    delta.cts = ts;
    delta.bidCount = bids.length;
    delta.askCount = asks.length;
    bids.forEach(([price, size], i) => {
      delta.bidPrices[i] = price;
      delta.bidSizes[i] = size;
    });
    asks.forEach(([price, size], i) => {
      delta.askPrices[i] = price;
      delta.askSizes[i] = size;
    });
    return delta;
  }
}

function grow(current: number, needed: number): number {
  let size = Math.max(16, current);
  while (size < needed) size *= 2;
  return size;
}

/** The wire shape (Bybit V5 docs: WebSocket > Orderbook). */
export interface RawOrderbookMessage {
  topic?: string;
  type: string;
  ts: number;
  cts?: number;
  data: {
    s: string;
    b: ReadonlyArray<readonly [string, string]>;
    a: ReadonlyArray<readonly [string, string]>;
    u: number;
    seq: number;
  };
}

/**
 * Parses a Bybit orderbook message (the frame text or its already-parsed object) into `out` on the instrument's
 * grid. Throws `OrderBookParseError` on a malformed frame or a level off the grid: that is a contract breach by
 * the venue, not a book state, and the stream handler turns it into a resync.
 */
export function parseOrderbookMessage(
  raw: string | object,
  grid: BookGrid,
  out: BookDelta = new BookDelta(),
): BookDelta {
  let message: RawOrderbookMessage;
  if (typeof raw === 'string') {
    try {
      message = JSON.parse(raw) as RawOrderbookMessage;
    } catch {
      throw new OrderBookParseError('NOT_JSON', 'orderbook frame is not JSON');
    }
  } else {
    message = raw as RawOrderbookMessage;
  }
  const data = message?.data;
  const type = message?.type;
  if (
    (type !== 'snapshot' && type !== 'delta') ||
    data === null ||
    typeof data !== 'object' ||
    !Array.isArray(data.b) ||
    !Array.isArray(data.a) ||
    typeof data.u !== 'number'
  ) {
    throw new OrderBookParseError('NOT_ORDERBOOK', 'not an orderbook snapshot/delta message');
  }
  const bids = data.b;
  const asks = data.a;
  out.reserve(bids.length, asks.length);
  out.symbol = data.s;
  out.type = type;
  out.u = data.u;
  out.seq = typeof data.seq === 'number' ? data.seq : 0;
  out.ts = typeof message.ts === 'number' ? message.ts : 0;
  out.cts = typeof message.cts === 'number' ? message.cts : out.ts;
  out.bidCount = readLevels(bids, grid, out.bidPrices, out.bidSizes);
  out.askCount = readLevels(asks, grid, out.askPrices, out.askSizes);
  return out;
}

function readLevels(
  levels: ReadonlyArray<readonly [string, string]>,
  grid: BookGrid,
  prices: Float64Array,
  sizes: Float64Array,
): number {
  const n = levels.length;
  const tickDecimals = grid.tickDecimals;
  const tickMantissa = grid.tickMantissa;
  const lotDecimals = grid.lotDecimals;
  const lotMantissa = grid.lotMantissa;
  for (let i = 0; i < n; i++) {
    const level = levels[i];
    const price = parseUnitsOrNaN(level?.[0], tickDecimals, tickMantissa);
    const size = parseUnitsOrNaN(level?.[1], lotDecimals, lotMantissa);
    if (price !== price || size !== size || price <= 0) {
      throw new OrderBookParseError('BAD_LEVEL', `level ${JSON.stringify(level)} is malformed or off the grid`);
    }
    prices[i] = price;
    sizes[i] = size;
  }
  return n;
}

function parseUnitsOrNaN(text: unknown, decimals: number, mantissa: number): number {
  return typeof text === 'string' ? parseUnits(text, decimals, mantissa) : NaN;
}

/** An orderbook update already split into fields (the exchange stream's shape), levels still as decimal strings. */
export interface LevelsUpdate {
  readonly type: BookDeltaType;
  readonly symbol: string;
  readonly bids: ReadonlyArray<readonly [string, string]>;
  readonly asks: ReadonlyArray<readonly [string, string]>;
  readonly updateId: number;
  readonly seq: number;
  readonly ts: number;
  readonly cts: number;
}

/** Fills `out` from a stream update without re-serialising it; same grid rules and errors as the parser. */
export function fillBookDelta(update: LevelsUpdate, grid: BookGrid, out: BookDelta): BookDelta {
  out.reserve(update.bids.length, update.asks.length);
  out.symbol = update.symbol;
  out.type = update.type;
  out.u = update.updateId;
  out.seq = update.seq;
  out.ts = update.ts;
  out.cts = update.cts || update.ts;
  out.bidCount = readLevels(update.bids, grid, out.bidPrices, out.bidSizes);
  out.askCount = readLevels(update.asks, grid, out.askPrices, out.askSizes);
  return out;
}
