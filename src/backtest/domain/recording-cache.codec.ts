import { BookGrid, type BookGridSpec } from '../../order-book/domain/book-grid';
import { BookDelta } from '../../order-book/domain/order-book.parse';
import { inFilter, RecordingError, TradeBatch, type RecordingFilter, type RecordingSink } from './recording';

/**
 * The pre-parsed binary form of a recording: what `RecordingDecoder` hands to its sink, already on each symbol's
 * grid, so a replay skips JSON.parse and decimal parsing (the bulk of the cost). Little-endian, length-prefixed
 * records after an 8-byte magic:
 *
 *   record  = u32 length (whole record) | u8 kind | u8 flags | u16 symbol id | f64 ts | payload
 *   SYMBOL  (kind 0) payload = UTF-8 JSON {symbol, tickSize, qtyStep}; defines the id used by later records
 *   BOOK    (kind 1) flags = 1 snapshot / 0 delta; u32 bids | u32 asks | f64 u | f64 seq | f64 cts |
 *                    bids as (f64 price ticks, f64 size lots)… | asks likewise
 *   TRADES  (kind 2) u32 count | count × (f64 time, f64 price ticks, f64 size lots, f64 side ±1)
 *   END     (kind 3) no payload: a cache without it was cut short and is not used
 *
 * Integers of ticks and lots are exact in f64, so the book rebuilt from the cache equals the one built from JSON.
 */

export const CACHE_MAGIC = 'BKTREC01';
const HEADER = 16;
export const KIND_SYMBOL = 0;
export const KIND_BOOK = 1;
export const KIND_TRADES = 2;
const KIND_END = 3;

/** Encodes sink calls into bytes; `take()` hands over what is buffered so the adapter can write it out. */
export class CacheEncoder implements RecordingSink {
  private bytes = new Uint8Array(1 << 20);
  private view = new DataView(this.bytes.buffer);
  private length = 0;
  private readonly ids = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly gridOf: (symbol: string) => BookGridSpec | undefined) {
    this.reserve(8);
    for (let i = 0; i < 8; i++) this.bytes[i] = CACHE_MAGIC.charCodeAt(i);
    this.length = 8;
  }

  /** Bytes buffered since the last take (a view on the internal buffer: write it before the next call). */
  take(): Uint8Array {
    const out = this.bytes.subarray(0, this.length);
    this.length = 0;
    return out;
  }

  get buffered(): number {
    return this.length;
  }

  book(delta: BookDelta): void {
    const id = this.idOf(delta.symbol);
    const size = HEADER + 8 + 24 + 16 * (delta.bidCount + delta.askCount);
    let at = this.begin(size, KIND_BOOK, delta.type === 'snapshot' ? 1 : 0, id, delta.ts);
    const view = this.view;
    view.setUint32(at, delta.bidCount, true);
    view.setUint32(at + 4, delta.askCount, true);
    view.setFloat64(at + 8, delta.u, true);
    view.setFloat64(at + 16, delta.seq, true);
    view.setFloat64(at + 24, delta.cts, true);
    at += 32;
    for (let i = 0; i < delta.bidCount; i++, at += 16) {
      view.setFloat64(at, delta.bidPrices[i], true);
      view.setFloat64(at + 8, delta.bidSizes[i], true);
    }
    for (let i = 0; i < delta.askCount; i++, at += 16) {
      view.setFloat64(at, delta.askPrices[i], true);
      view.setFloat64(at + 8, delta.askSizes[i], true);
    }
  }

  trades(batch: TradeBatch): void {
    const id = this.idOf(batch.symbol);
    let at = this.begin(HEADER + 8 + 32 * batch.count, KIND_TRADES, 0, id, batch.ts);
    const view = this.view;
    view.setUint32(at, batch.count, true);
    at += 8;
    for (let i = 0; i < batch.count; i++, at += 32) {
      view.setFloat64(at, batch.times[i], true);
      view.setFloat64(at + 8, batch.prices[i], true);
      view.setFloat64(at + 16, batch.sizes[i], true);
      view.setFloat64(at + 24, batch.sides[i], true);
    }
  }

  end(): void {
    this.begin(HEADER, KIND_END, 0, 0, 0);
  }

  private idOf(symbol: string): number {
    let id = this.ids.get(symbol);
    if (id !== undefined) return id;
    const grid = this.gridOf(symbol);
    if (!grid) throw new RangeError(`no grid for ${symbol}`);
    id = this.ids.size;
    if (id > 0xffff) throw new RangeError('too many symbols for one cache');
    this.ids.set(symbol, id);
    const json = this.encoder.encode(JSON.stringify({ symbol, tickSize: grid.tickSize, qtyStep: grid.qtyStep }));
    const at = this.begin(HEADER + json.length, KIND_SYMBOL, 0, id, 0);
    this.bytes.set(json, at);
    return id;
  }

  /** Reserves a record, writes its header, returns where its payload starts. */
  private begin(size: number, kind: number, flags: number, id: number, ts: number): number {
    this.reserve(size);
    const at = this.length;
    const view = this.view;
    view.setUint32(at, size, true);
    view.setUint8(at + 4, kind);
    view.setUint8(at + 5, flags);
    view.setUint16(at + 6, id, true);
    view.setFloat64(at + 8, ts, true);
    this.length += size;
    return at + HEADER;
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }
}

/**
 * Decodes records from consecutive chunks of a cache file into sink calls. `push(chunk)` consumes every complete
 * record and returns how many bytes of the chunk's tail belong to an incomplete one (the adapter carries them into
 * the next read). Filters are applied on the record header, before the payload is read.
 */
export class CacheDecoder {
  private readonly delta = new BookDelta(512);
  private readonly batch = new TradeBatch();
  private readonly symbols: string[] = [];
  private readonly grids: BookGrid[] = [];
  private readonly decoder = new TextDecoder();
  private sawMagic = false;
  /** True once the END record was read. */
  complete = false;
  records = 0;

  constructor(
    private readonly sink: RecordingSink,
    private readonly filter: RecordingFilter = {},
  ) {}

  gridOf(symbol: string): BookGrid | undefined {
    const i = this.symbols.indexOf(symbol);
    return i < 0 ? undefined : this.grids[i];
  }

  /** Consumes complete records in `bytes[0, length)`; returns the offset of the first unconsumed byte. */
  push(bytes: Uint8Array, length = bytes.length): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    let at = 0;
    if (!this.sawMagic) {
      if (length < 8) return 0;
      for (let i = 0; i < 8; i++) {
        if (bytes[i] !== CACHE_MAGIC.charCodeAt(i)) throw new RecordingError('BAD_RECORDING_LINE', 'not a cache file');
      }
      this.sawMagic = true;
      at = 8;
    }
    while (at + HEADER <= length) {
      const size = view.getUint32(at, true);
      if (size < HEADER) throw new RecordingError('BAD_RECORDING_LINE', `corrupt cache record at ${at}`);
      if (at + size > length) break;
      this.decode(view, at, bytes);
      at += size;
    }
    return at;
  }

  /**
   * Decodes the one complete record at `at` (after the magic was pushed) into a sink call. `view` and `bytes` must
   * cover the same memory from the same start: a paced reader keeps one view on its buffer instead of a view and a
   * subarray per record.
   */
  decode(view: DataView, at: number, bytes: Uint8Array): void {
    const size = view.getUint32(at, true);
    const kind = view.getUint8(at + 4);
    const flags = view.getUint8(at + 5);
    const id = view.getUint16(at + 6, true);
    const ts = view.getFloat64(at + 8, true);
    this.records++;
    if (kind === KIND_SYMBOL) {
      const spec = JSON.parse(this.decoder.decode(bytes.subarray(at + HEADER, at + size))) as {
        symbol: string;
        tickSize: string;
        qtyStep: string;
      };
      this.symbols[id] = spec.symbol;
      this.grids[id] = new BookGrid(spec.tickSize, spec.qtyStep);
      return;
    }
    if (kind === KIND_END) {
      this.complete = true;
      return;
    }
    const symbol = this.symbols[id];
    if (symbol === undefined) throw new RecordingError('BAD_RECORDING_LINE', `cache record for undefined symbol ${id}`);
    if (!inFilter(this.filter, symbol, ts)) return;
    let p = at + HEADER;
    if (kind === KIND_BOOK) {
      const delta = this.delta;
      const bids = view.getUint32(p, true);
      const asks = view.getUint32(p + 4, true);
      delta.reserve(bids, asks);
      delta.symbol = symbol;
      delta.type = flags === 1 ? 'snapshot' : 'delta';
      delta.ts = ts;
      delta.u = view.getFloat64(p + 8, true);
      delta.seq = view.getFloat64(p + 16, true);
      delta.cts = view.getFloat64(p + 24, true);
      delta.bidCount = bids;
      delta.askCount = asks;
      p += 32;
      const bidPrices = delta.bidPrices;
      const bidSizes = delta.bidSizes;
      for (let i = 0; i < bids; i++, p += 16) {
        bidPrices[i] = view.getFloat64(p, true);
        bidSizes[i] = view.getFloat64(p + 8, true);
      }
      const askPrices = delta.askPrices;
      const askSizes = delta.askSizes;
      for (let i = 0; i < asks; i++, p += 16) {
        askPrices[i] = view.getFloat64(p, true);
        askSizes[i] = view.getFloat64(p + 8, true);
      }
      this.sink.book(delta);
      return;
    }
    if (kind === KIND_TRADES) {
      const batch = this.batch;
      const count = view.getUint32(p, true);
      batch.reserve(count);
      batch.symbol = symbol;
      batch.ts = ts;
      batch.count = count;
      p += 8;
      for (let i = 0; i < count; i++, p += 32) {
        batch.times[i] = view.getFloat64(p, true);
        batch.prices[i] = view.getFloat64(p + 8, true);
        batch.sizes[i] = view.getFloat64(p + 16, true);
        batch.sides[i] = view.getFloat64(p + 24, true);
      }
      this.sink.trades(batch);
      return;
    }
    throw new RecordingError('BAD_RECORDING_LINE', `unknown cache record kind ${kind}`);
  }
}
