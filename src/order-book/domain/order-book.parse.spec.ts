import * as fc from 'fast-check';
import { fromUnits, toUnits } from '../../common/ticks';
import { parseUnits } from '../../common/ticks';
import { BookGrid } from './book-grid';
import { BookDelta, OrderBookParseError, parseOrderbookMessage } from './order-book.parse';

const FRAME =
  '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1700000000123,"data":{"s":"BTCUSDT","b":[["65000.5","0.006"],["64999.0","0"]],"a":[["65001.00","1.5"]],"u":42,"seq":7961638724},"cts":1700000000120}';

describe(parseOrderbookMessage.name, () => {
  const grid = new BookGrid('0.5', '0.001');

  it('should read prices as ticks and sizes as lots when given a frame string', () => {
    const sut = parseOrderbookMessage(FRAME, grid);

    expect(sut).toMatchObject({
      symbol: 'BTCUSDT',
      type: 'delta',
      u: 42,
      seq: 7961638724,
      ts: 1700000000123,
      cts: 1700000000120,
    });
    expect(sut.bidCount).toBe(2);
    expect([...sut.bidPrices.subarray(0, 2)]).toEqual([130001, 129998]);
    expect([...sut.bidSizes.subarray(0, 2)]).toEqual([6, 0]);
    expect(sut.askCount).toBe(1);
    expect(sut.askPrices[0]).toBe(130002);
    expect(sut.askSizes[0]).toBe(1500);
  });

  it('should reuse the output buffers when the same delta is passed again', () => {
    const out = new BookDelta(8);
    const first = out.bidPrices;

    parseOrderbookMessage(JSON.parse(FRAME) as object, grid, out);

    expect(out.bidPrices).toBe(first);
    expect(out.bidCount).toBe(2);
  });

  it('should grow the buffers when a snapshot is larger than the capacity', () => {
    const bids = Array.from({ length: 300 }, (_, i) => [String(1000 - i), '1']);
    const sut = parseOrderbookMessage(
      { type: 'snapshot', ts: 1, data: { s: 'X', b: bids, a: [], u: 1, seq: 1 } },
      grid,
      new BookDelta(4),
    );

    expect(sut.bidCount).toBe(300);
    expect(sut.bidPrices[299]).toBe(1402);
  });

  it.each([
    ['not JSON', '{oops', 'NOT_JSON'],
    ['not an orderbook message', '{"type":"other","data":{}}', 'NOT_ORDERBOOK'],
    ['a price off the tick grid', FRAME.replace('65000.5', '65000.3'), 'BAD_LEVEL'],
    ['a size finer than the qty step', FRAME.replace('0.006', '0.0061'), 'BAD_LEVEL'],
    ['a malformed number', FRAME.replace('65000.5', '6.5e4'), 'BAD_LEVEL'],
  ])('should throw OrderBookParseError when the frame has %s', (_name, frame, code) => {
    expect(() => parseOrderbookMessage(frame, grid)).toThrow(expect.objectContaining({ code }) as OrderBookParseError);
  });
});

describe(BookGrid.name, () => {
  it('should agree with ticks.toUnits and fromUnits when random units are written on random grids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom(1, 2, 5, 25),
        fc.integer({ min: 0, max: 3 }),
        (units, decimals, mantissa, extraZeros) => {
          const step = fromUnits(mantissa, decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`);
          const sut = new BookGrid(step, step);
          let text = fromUnits(units, step);
          if (extraZeros > 0) text += (text.includes('.') ? '' : '.') + '0'.repeat(extraZeros);

          expect(sut.priceTicks(text)).toBe(toUnits(text, step));
          expect(sut.sizeText(sut.sizeLots(text))).toBe(fromUnits(units, step));
        },
      ),
    );
  });

  it.each([
    ['', 4],
    ['.5', 4],
    ['1.', 4],
    ['1.2.3', 4],
    ['-1', 4],
    ['1.00005', 4],
    ['abc', 4],
  ])('should return NaN when the text is %p', (text, decimals) => {
    expect(parseUnits(text, decimals, 1)).toBeNaN();
  });
});
