import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareDecimal } from '../../common/ticks';
import type { OrderbookMessage, PriceSize } from './market-model.messages';
import { parseReplayText, ReplayError, type ReplayRecord } from './replay-reader';
import { ReplaySource } from './replay-source';

const RECORDING = join(__dirname, '../../../test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');
const records = parseReplayText(readFileSync(RECORDING, 'utf8'));
const FIRST_TS = 1733011200691;
const LAST_TS = 1733011205490;

/** The naive reference: plain maps of the decimal strings, rebuilt by applying the same messages. */
function referenceAfter(messages: readonly OrderbookMessage[]): { b: PriceSize[]; a: PriceSize[] } {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  for (const m of messages) {
    if (m.type === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    for (const [p, s] of m.data.b)
      if (compareDecimal(s, '0') === 0) bids.delete(p);
      else bids.set(p, s);
    for (const [p, s] of m.data.a)
      if (compareDecimal(s, '0') === 0) asks.delete(p);
      else asks.set(p, s);
  }
  // Number order is exact here: distinct 4-decimal prices below 10.
  const sorted = (map: Map<string, string>, dir: 1 | -1): PriceSize[] =>
    [...map.entries()].sort((x, y) => dir * (Number(x[0]) - Number(y[0])));
  return { b: sorted(bids, -1), a: sorted(asks, 1) };
}

function orderbookMessages(list: readonly ReplayRecord[]): OrderbookMessage[] {
  return list.flatMap((r) => (r.kind === 'orderbook' ? [r.message] : []));
}

describe(ReplaySource.name, () => {
  it('should keep a book equal to a from-scratch rebuild after every message of the real recording', () => {
    const sut = new ReplaySource(records, { startMs: 0, speed: Number.POSITIVE_INFINITY });
    const seen: OrderbookMessage[] = [];
    const us: number[] = [];
    sut.advance(0, (record) => {
      if (record.kind !== 'orderbook') return;
      seen.push(record.message);
      us.push(record.message.data.u);
      const expected = referenceAfter(seen);
      const view = sut.orderbookView('XRPUSDT', 1000)!;
      expect(view.b).toEqual(expected.b);
      expect(view.a).toEqual(expected.a);
      expect(view.u).toBe(record.message.data.u);
    });
    expect(sut.done).toBe(true);
    expect(us[0]).toBe(20254869);
    expect(us[us.length - 1]).toBe(20254918);
    expect(us.every((u, i) => i === 0 || u === us[i - 1] + 1)).toBe(true);
    expect(sut.gapCount('XRPUSDT')).toBe(0);
    expect(sut.book('XRPUSDT')!.isCrossed()).toBe(false);
  });

  it('should re-emit every message unchanged and in order when replayed', () => {
    const sut = new ReplaySource(records, { startMs: 0, speed: Number.POSITIVE_INFINITY });
    const emitted: ReplayRecord[] = [];
    sut.advance(0, (r) => emitted.push(r));
    expect(emitted.map((r) => r.raw)).toEqual(records.map((r) => r.raw));
    expect(emitted.map((r) => JSON.parse(r.raw))).toEqual(orderbookMessages(emitted));
  });

  it('should follow recorded ts gaps when replayed at recorded speed', () => {
    const start = 5_000_000;
    const sut = new ReplaySource(records, { startMs: start });
    const at = (nowMs: number): number => sut.advance(nowMs, () => undefined);
    expect(at(start - 1)).toBe(0);
    expect(at(start)).toBe(1); // the snapshot is due at once
    expect(at(start + 1)).toBe(0);
    expect(at(start + 2)).toBe(1); // the first delta was recorded 2 ms later
    expect(sut.nextDueMs()).toBe(start + (1733011200790 - FIRST_TS));
    expect(at(start + (LAST_TS - FIRST_TS) - 1)).toBe(47);
    expect(at(start + (LAST_TS - FIRST_TS))).toBe(1);
    expect(sut.done).toBe(true);
    expect(sut.nextDueMs()).toBeUndefined();
  });

  it('should compress time by the speed factor and stop while paused when accelerated', () => {
    const sut = new ReplaySource(records, { startMs: 0, speed: 10 });
    const span = LAST_TS - FIRST_TS;
    expect(sut.advance(span / 20, () => undefined)).toBeGreaterThan(20);
    sut.pause(span / 20);
    expect(sut.advance(span, () => undefined)).toBe(0);
    sut.resume(1_000_000);
    expect(sut.advance(1_000_000 + span / 20 - 1, () => undefined)).toBeGreaterThan(0);
    expect(sut.done).toBe(false);
    sut.setSpeed(Number.POSITIVE_INFINITY, 1_000_000 + span / 20);
    sut.advance(1_000_000 + span / 20, () => undefined);
    expect(sut.done).toBe(true);
    expect(sut.emittedCount).toBe(50);
  });

  it('should let the matching engine consume the replayed book until the next recorded update of the level', () => {
    const sut = new ReplaySource(records, { startMs: 0 });
    sut.advance(0, () => undefined); // the snapshot
    const book = sut.book('XRPUSDT')!;
    expect(book.bestAsk()).toBe(19532); // 1.9532 at tick 0.0001
    const size = book.sizeAt('ask', 0);
    const levels = [...book.levelsFor('Buy')];
    expect(levels[0]).toEqual({ priceTicks: 19532, sizeLots: size });
    book.consume('Buy', 19532, 100);
    expect(book.sizeAtPrice('ask', 19532)).toBe(size - 100);
    sut.advance(1733011200790 - FIRST_TS, () => undefined); // the delta at .790 sets 1.9532 to 8761
    expect(book.sizeAtPrice('ask', 19532)).toBe(8761);
  });

  it('should give a late subscriber a snapshot of the current book with the last u when asked', () => {
    const sut = new ReplaySource(records, { startMs: 0, speed: Number.POSITIVE_INFINITY });
    sut.advance(0, () => undefined);
    const snapshot = sut.snapshotFor('orderbook.500.XRPUSDT')!;
    const expected = referenceAfter(orderbookMessages(records));
    expect(snapshot).toMatchObject({
      topic: 'orderbook.500.XRPUSDT',
      type: 'snapshot',
      ts: LAST_TS,
      data: { s: 'XRPUSDT', u: 20254918, seq: 130020252664 },
    });
    expect(snapshot.data.b).toEqual(expected.b.slice(0, 500));
    expect(snapshot.data.a).toEqual(expected.a.slice(0, 500));
    expect(sut.snapshotFor('orderbook.50.XRPUSDT')).toBeUndefined();
    expect(sut.formatters('XRPUSDT')).toMatchObject({ price: { step: '0.0001' }, size: { step: '1' } });
  });

  it('should count a u gap and reject off-grid values when the recording is damaged', () => {
    const damaged = records.filter((_, i) => i !== 10);
    const sut = new ReplaySource(damaged, { startMs: 0, speed: Number.POSITIVE_INFINITY });
    sut.advance(0, () => undefined);
    expect(sut.gapCount('XRPUSDT')).toBe(1);
    const offGrid = new ReplaySource(records.slice(0, 2), {
      startMs: 0,
      speed: Number.POSITIVE_INFINITY,
      instruments: { XRPUSDT: { tickSize: '0.001', qtyStep: '1' } },
    });
    expect(() => offGrid.advance(0, () => undefined)).toThrow(ReplayError);
  });
});
