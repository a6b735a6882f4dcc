import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingError, type TradeBatch } from '../../../src/backtest/domain/recording';
import { readRecording, replayJson } from '../../../src/backtest/recording-reader';
import { simRecordOptionsFrom, writeSimRecording } from '../../../src/backtest/sim-record.cli';
import { OrderBook } from '../../../src/order-book/domain/order-book';
import type { BookDelta } from '../../../src/order-book/domain/order-book.parse';
import { instrumentFor } from '../../../src/simulator/domain/instrument-universe';

describe('sim --record: the market model as a recording', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-record-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const record = (file: string, extra: string[] = []) =>
    writeSimRecording(simRecordOptionsFrom(['--record', join(dir, file), '--minutes', '1', ...extra]));

  it('is byte-identical for the same seed and differs for another seed', async () => {
    await record('a.jsonl', ['--seed', '7']);
    await record('b.jsonl', ['--seed', '7']);
    await record('c.jsonl', ['--seed', '8']);
    const a = readFileSync(join(dir, 'a.jsonl'));
    expect(a.length).toBeGreaterThan(100_000);
    expect(readFileSync(join(dir, 'b.jsonl')).equals(a)).toBe(true);
    expect(readFileSync(join(dir, 'c.jsonl')).equals(a)).toBe(false);
    await record('a.jsonl.gz', ['--seed', '7']);
    await record('b.jsonl.gz', ['--seed', '7']);
    expect(readFileSync(join(dir, 'a.jsonl.gz')).equals(readFileSync(join(dir, 'b.jsonl.gz')))).toBe(true);
  });

  it('reads back through the backtest reader into a consistent book, with trades, over the virtual minute', async () => {
    const path = join(dir, 'a.jsonl.gz');
    const book = new OrderBook('BTCUSDT', instrumentFor('BTCUSDT'));
    const results = new Map<string, number>();
    const times: number[] = [];
    let trades = 0;
    let farthestFromMid = 0;
    const stats = await replayJson(path, {
      book: (delta: BookDelta) => {
        const result = book.apply(delta);
        results.set(result, (results.get(result) ?? 0) + 1);
        times.push(delta.ts);
      },
      trades: (batch: TradeBatch) => {
        trades += batch.count;
        // Trades print near the recorded book (the book is pushed every 20 ms, so a sweep may lead it a little).
        const mid = (book.bestBid + book.bestAsk) / 2;
        for (let i = 0; i < batch.count; i++)
          farthestFromMid = Math.max(farthestFromMid, Math.abs(batch.prices[i] - mid));
      },
    });
    expect([...results.keys()].sort()).toEqual(['applied', 'reset']);
    expect(results.get('reset')).toBe(1);
    expect(stats.skipped).toBe(0);
    expect(trades).toBeGreaterThan(100);
    expect(farthestFromMid).toBeLessThan(60); // 6 USD at 96 000: under 1 bp
    expect(times[0]).toBe(Date.UTC(2025, 0, 1) + 20);
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(55_000);
    expect(book.bidCount).toBeGreaterThanOrEqual(40);
    expect(book.askCount).toBeGreaterThanOrEqual(40);
  });

  it('interleaves several symbols in ts order, and refuses bad options', async () => {
    await record('two.jsonl', ['--symbols', 'BTCUSDT,ETHUSDT', '--depth', '200', '--start', '2025-03-01T00:00:00Z']);
    const topics = new Set<string>();
    let last = -Infinity;
    let ordered = true;
    for await (const line of readRecording(join(dir, 'two.jsonl'))) {
      topics.add(line.message.topic as string);
      if (line.ts < last) ordered = false;
      last = line.ts;
    }
    expect(ordered).toBe(true);
    expect([...topics].sort()).toEqual([
      'orderbook.200.BTCUSDT',
      'orderbook.200.ETHUSDT',
      'publicTrade.BTCUSDT',
      'publicTrade.ETHUSDT',
    ]);
    expect(() => simRecordOptionsFrom(['--record', 'x', '--depth', '7'])).toThrow(RecordingError);
    expect(() => simRecordOptionsFrom(['--record', 'x', '--minutes', '0'])).toThrow(/--minutes/);
    expect(() => simRecordOptionsFrom(['--minutes', '1'])).toThrow(/--record/);
  });
});
