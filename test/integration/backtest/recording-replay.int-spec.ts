import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { OrderBook } from '../../../src/order-book/domain/order-book';
import type { BookDelta } from '../../../src/order-book/domain/order-book.parse';
import { parseTimeBound, type RecordingSink, type TradeBatch } from '../../../src/backtest/domain/recording';
import { ensureCache, readRecording, replayCache, replayJson } from '../../../src/backtest/recording-reader';
import { sharedPath } from '../../support/shared-data';

const XRP = sharedPath('data/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');
const BTC = sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz');

/** Applies every book message to one OrderBook per symbol and digests the trades, recording each message's time. */
class BookSink implements RecordingSink {
  readonly books = new Map<string, OrderBook>();
  readonly bookTimes: number[] = [];
  readonly results: string[] = [];
  tradeCount = 0;
  tradeDigest = 0;
  tradeBatches = 0;

  constructor(private readonly grid: (symbol: string) => { tickSize: string; qtyStep: string }) {}

  book(delta: BookDelta): void {
    let book = this.books.get(delta.symbol);
    if (!book) this.books.set(delta.symbol, (book = new OrderBook(delta.symbol, this.grid(delta.symbol))));
    this.results.push(book.apply(delta));
    this.bookTimes.push(delta.ts);
  }

  trades(batch: TradeBatch): void {
    this.tradeBatches++;
    for (let i = 0; i < batch.count; i++) {
      this.tradeCount++;
      // Order-sensitive digest of every field, so a reordered or altered trade changes it.
      this.tradeDigest =
        (this.tradeDigest * 31 + batch.times[i] + batch.prices[i] * 7 + batch.sizes[i] * 13 + batch.sides[i]) %
        1_000_000_007;
    }
  }
}

describe('backtest recording input (real Bybit-format files)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-input-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function jsonAndCache(path: string, grid: { tickSize: string; qtyStep: string }) {
    const fromJson = new BookSink(() => grid);
    const json = await replayJson(path, fromJson);
    const cachePath = await ensureCache(path, join(dir, 'cache'));
    const fromCache = new BookSink(() => grid);
    const cache = replayCache(cachePath, fromCache);
    // Both paths chose the same grid (the instrument's), which is what the books above were built on.
    expect(json.decoder.gridOf(json.decoder.symbols()[0])).toMatchObject(grid);
    expect(cache.gridOf(json.decoder.symbols()[0])).toMatchObject(grid);
    return { fromJson, json, fromCache, cache, cachePath };
  }

  it('replays the XRPUSDT ob500 file to the same book from JSON and from the binary cache', async () => {
    const { fromJson, json, fromCache } = await jsonAndCache(XRP, { tickSize: '0.0001', qtyStep: '1' });
    expect(json).toMatchObject({ lines: 50, books: 50, trades: 0, skipped: 0 });
    const a = fromJson.books.get('XRPUSDT')!;
    const b = fromCache.books.get('XRPUSDT')!;
    expect(fromJson.results).toEqual(['reset', ...Array<string>(49).fill('applied')]);
    expect(fromCache.results).toEqual(fromJson.results);
    expect(b.view(1000)).toEqual(a.view(1000));
    expect(a.bidCount).toBeGreaterThan(400);
    // Independent reference: the last line's snapshot-free state is reached by the same u.
    const lastLine = readFileSync(XRP, 'utf8').trim().split('\n').pop()!;
    expect(a.u).toBe((JSON.parse(lastLine) as { data: { u: number } }).data.u);
  });

  it('replays the BTCUSDT L2 + trades .gz file identically from JSON and from the cache', async () => {
    const { fromJson, json, fromCache, cachePath } = await jsonAndCache(BTC, { tickSize: '0.10', qtyStep: '0.001' });
    expect(json).toMatchObject({ books: 6542, trades: 21308, skipped: 0 });
    expect(fromJson.results.filter((r) => r !== 'applied' && r !== 'reset')).toEqual([]);
    expect(fromCache.results).toEqual(fromJson.results);
    expect(fromCache.books.get('BTCUSDT')!.view(500)).toEqual(fromJson.books.get('BTCUSDT')!.view(500));
    expect(fromCache.tradeCount).toBe(fromJson.tradeCount);
    expect(fromCache.tradeDigest).toBe(fromJson.tradeDigest);
    expect(fromJson.tradeCount).toBeGreaterThanOrEqual(21308);
    // Second call reuses the cache rather than rebuilding it.
    const mtime = statSync(cachePath).mtimeMs;
    expect(await ensureCache(BTC, join(dir, 'cache'))).toBe(cachePath);
    expect(statSync(cachePath).mtimeMs).toBe(mtime);
  });

  it('filters by symbol and by a [from, to) time window, on both paths', async () => {
    const all = new BookSink(() => ({ tickSize: '0.10', qtyStep: '0.001' }));
    await replayJson(BTC, all);
    const from = all.bookTimes[1000];
    const to = all.bookTimes[3000];
    const expected = all.bookTimes.filter((t) => t >= from && t < to).length;
    const window = { fromMs: from, toMs: to };
    const json = new BookSink(() => ({ tickSize: '0.10', qtyStep: '0.001' }));
    await replayJson(BTC, { book: (d) => json.bookTimes.push(d.ts), trades: (b) => json.trades(b) }, window);
    expect(json.bookTimes).toHaveLength(expected);
    const cached = new BookSink(() => ({ tickSize: '0.10', qtyStep: '0.001' }));
    replayCache(
      await ensureCache(BTC, join(dir, 'cache')),
      {
        book: (d) => cached.bookTimes.push(d.ts),
        trades: (b) => cached.trades(b),
      },
      window,
    );
    expect(cached.bookTimes).toEqual(json.bookTimes);
    expect(cached.tradeDigest).toBe(json.tradeDigest);
    expect(cached.tradeCount).toBeGreaterThan(0);

    const none = await replayJson(
      BTC,
      { book: () => undefined, trades: () => undefined },
      {
        symbols: new Set(['ETHUSDT']),
      },
    );
    expect(none).toMatchObject({ books: 0, trades: 0, skipped: none.lines });
    expect(parseTimeBound('2024-08-08T23:55:00Z', '--from')).toBe(Date.UTC(2024, 7, 8, 23, 55));
    expect(parseTimeBound('1723161300000', '--to')).toBe(1723161300000);
    expect(() => parseTimeBound('yesterday', '--from')).toThrow(/--from/);
  });

  it('merges a directory of recordings (plain and .gz) in ts order', async () => {
    const merged = join(dir, 'merged');
    const lines = gunzipSync(readFileSync(BTC)).toString('utf8').trim().split('\n').slice(0, 400);
    // Split one stream over two files, one gzipped: the merge must restore the original order by ts.
    const book = lines.filter((l) => l.startsWith('{"topic":"orderbook'));
    const trades = lines.filter((l) => !l.startsWith('{"topic":"orderbook'));
    mkdirSync(merged);
    writeFileSync(join(merged, 'a-book.jsonl'), `${book.join('\n')}\n`);
    writeFileSync(join(merged, 'b-trades.jsonl.gz'), gzipSync(`${trades.join('\n')}\n`));
    writeFileSync(join(merged, 'ignored.csv'), 'x');
    const times: number[] = [];
    for await (const line of readRecording(merged)) times.push(line.ts);
    expect(times).toHaveLength(400);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('refuses a truncated cache and a malformed line, naming the line', async () => {
    const cachePath = await ensureCache(XRP, join(dir, 'cut'));
    truncateSync(cachePath, statSync(cachePath).size - 20);
    expect(() => replayCache(cachePath, { book: () => undefined, trades: () => undefined })).toThrow(/truncated/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${readFileSync(XRP, 'utf8').split('\n')[0]}\n{"topic":"orderbook.500.XRPUSDT","ts":1,"type":"delta","data":{"s":"XRPUSDT","b":[["x","1"]],"a":[],"u":2,"seq":1}}\n`,
    );
    await expect(replayJson(bad, { book: () => undefined, trades: () => undefined })).rejects.toThrow(/line 2/);
  });
});
