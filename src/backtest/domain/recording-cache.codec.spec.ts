import { BookDelta } from '../../order-book/domain/order-book.parse';
import { TradeBatch, type RecordingSink } from './recording';
import { CacheDecoder, CacheEncoder } from './recording-cache.codec';

const GRIDS: Record<string, { tickSize: string; qtyStep: string }> = {
  BTCUSDT: { tickSize: '0.10', qtyStep: '0.001' },
  ETHUSDT: { tickSize: '0.01', qtyStep: '0.01' },
};

function trades(symbol: string, ts: number, rows: Array<[number, number, number, 1 | -1]>): TradeBatch {
  const batch = new TradeBatch(1);
  batch.reserve(rows.length);
  batch.symbol = symbol;
  batch.ts = ts;
  batch.count = rows.length;
  rows.forEach(([t, p, s, side], i) => {
    batch.times[i] = t;
    batch.prices[i] = p;
    batch.sizes[i] = s;
    batch.sides[i] = side;
  });
  return batch;
}

function withSymbol(delta: BookDelta, symbol: string): BookDelta {
  delta.symbol = symbol;
  return delta;
}

/** What a sink saw, as plain values (the decoder reuses its objects). */
function recorder(): RecordingSink & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    book: (d) =>
      seen.push({
        symbol: d.symbol,
        type: d.type,
        u: d.u,
        seq: d.seq,
        ts: d.ts,
        cts: d.cts,
        bids: [...d.bidPrices.subarray(0, d.bidCount)].map((p, i) => [p, d.bidSizes[i]]),
        asks: [...d.askPrices.subarray(0, d.askCount)].map((p, i) => [p, d.askSizes[i]]),
      }),
    trades: (b) =>
      seen.push({
        symbol: b.symbol,
        ts: b.ts,
        rows: [...b.times.subarray(0, b.count)].map((t, i) => [t, b.prices[i], b.sizes[i], b.sides[i]]),
      }),
  };
}

describe('recording cache codec', () => {
  const snapshot = withSymbol(
    BookDelta.of(
      'snapshot',
      7,
      [
        [650_000, 1200],
        [649_999, 5],
      ],
      [[650_001, 3]],
      1000,
      99,
    ),
    'BTCUSDT',
  );
  const delta = withSymbol(
    BookDelta.of(
      'delta',
      8,
      [[650_000, 0]],
      [
        [650_002, 17],
        [650_001, 0],
      ],
      1020,
      101,
    ),
    'BTCUSDT',
  );
  const eth = withSymbol(BookDelta.of('snapshot', 1, [[360_000, 100]], [[360_001, 250]], 1030, 5), 'ETHUSDT');
  const batch = trades('BTCUSDT', 1040, [
    [1039, 650_001, 3, 1],
    [1040, 649_999, 2, -1],
  ]);

  function encoded(): Uint8Array {
    const encoder = new CacheEncoder((s) => GRIDS[s]);
    const expected = recorder();
    for (const step of [snapshot, delta, eth]) {
      encoder.book(step);
      expected.book(step);
    }
    encoder.trades(batch);
    expected.trades(batch);
    encoder.end();
    bytesExpected = expected.seen;
    return encoder.take().slice();
  }
  let bytesExpected: unknown[] = [];

  it('round-trips books and trades, however the bytes are split into chunks', () => {
    const bytes = encoded();
    for (const chunk of [1, 3, 7, 64, bytes.length]) {
      const out = recorder();
      const decoder = new CacheDecoder(out);
      const buffer = new Uint8Array(bytes.length);
      let filled = 0;
      for (let at = 0; at < bytes.length; at += chunk) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + chunk));
        buffer.set(piece, filled);
        filled += piece.length;
        const used = decoder.push(buffer, filled);
        buffer.copyWithin(0, used, filled);
        filled -= used;
      }
      expect(filled).toBe(0);
      expect(decoder.complete).toBe(true);
      expect(out.seen).toEqual(bytesExpected);
      expect(decoder.gridOf('ETHUSDT')).toMatchObject(GRIDS.ETHUSDT);
    }
  });

  it('applies symbol and time filters on the record header', () => {
    const bytes = encoded();
    const out = recorder();
    new CacheDecoder(out, { symbols: new Set(['BTCUSDT']), fromMs: 1010, toMs: 1040 }).push(bytes);
    expect(out.seen).toEqual([bytesExpected[1]]);
  });

  it('rejects bytes that are not a cache', () => {
    expect(() => new CacheDecoder(recorder()).push(new TextEncoder().encode('{"topic":"x"}'))).toThrow(/not a cache/);
  });
});
