import * as fc from 'fast-check';
import { compare, multiply, parseRational, rationalOfNumber } from '../../common/money';
import { exitPrices, qtyUnitsFor, sizeEntry, SizingLimits } from './order-sizing';
import { InstrumentFilters } from './risk.types';

const INSTRUMENT: InstrumentFilters = {
  tickSize: '0.1',
  qtyStep: '0.001',
  minOrderQty: '0.001',
  maxMarketOrderQty: '100',
  minNotionalValue: '5',
};
const LIMITS: SizingLimits = { orderSizeUsdt: 100, minOrderSizeUsdt: 5, takeProfitPct: 0.3, stopLossPct: 0.2 };

function anInstrument(overrides: Partial<InstrumentFilters> = {}): InstrumentFilters {
  return { ...INSTRUMENT, ...overrides };
}

function limits(overrides: Partial<SizingLimits> = {}): SizingLimits {
  return { ...LIMITS, ...overrides };
}

describe(qtyUnitsFor.name, () => {
  it.each([
    // usdt, price, step, units
    [100, '50000.0', '0.001', 2], // 0.002 × 50000 = 100 exactly: kept
    [99.99, '50000.0', '0.001', 1], // 0.0019998 rounds DOWN
    [0.3, '0.1', '1', 3], // float: 0.3 / 0.1 = 2.9999999999999996 would give 2
    [0.7, '0.1', '0.1', 70],
    [1, '3', '0.01', 33],
    [0, '100', '1', 0],
    [-5, '100', '1', 0],
  ])('should return, for %p USDT at price %s when the step is %s, %p steps', (usdt, price, step, expected) => {
    expect(qtyUnitsFor(usdt, price, step)).toBe(expected);
  });

  it.each([
    ['0', '0.001'],
    ['-1', '0.001'],
    ['abc', '0.001'],
    ['100', '0'],
  ])('should throw a RangeError when the price is %j and the step %j', (price, step) => {
    expect(() => qtyUnitsFor(100, price, step)).toThrow(RangeError);
  });

  it('should never exceed the budget nor leave a whole step unused when given any price and budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('0.001', '0.01', '0.1', '1'),
        (priceTicks, cents, step) => {
          const price = `${Math.floor(priceTicks / 100)}.${String(priceTicks % 100).padStart(2, '0')}`;
          const budget = rationalOfNumber(cents / 100);

          const units = qtyUnitsFor(cents / 100, price, step);

          const valueOf = (n: number) =>
            multiply(multiply({ num: BigInt(n), den: 1n }, parseRational(step)!), parseRational(price)!);
          expect(compare(valueOf(units), budget)).toBeLessThanOrEqual(0);
          expect(compare(valueOf(units + 1), budget)).toBe(1);
        },
      ),
    );
  });
});

describe(exitPrices.name, () => {
  it.each([
    // side, entry, tick, tp %, sl %, take-profit, stop-loss
    ['Buy', '100.0', '0.1', 0.3, 0.2, '100.3', '99.8'], // on the grid; float 1000 × 1.003 = 1002.9999999999999
    ['Sell', '100.0', '0.1', 0.3, 0.2, '99.7', '100.2'],
    ['Buy', '100.1', '0.1', 0.3, 0.2, '100.4', '99.9'], // exact 100.4003 / 99.8998: both round toward the entry
    ['Sell', '100.1', '0.1', 0.3, 0.2, '99.8', '100.3'], // exact 99.7997 / 100.3002
    ['Buy', '50000.0', '0.1', 0.3, 0.2, '50150.0', '49900.0'],
    ['Buy', '0.3', '0.0001', 10, 5, '0.3300', '0.2850'], // written with the tick's decimals
    ['Sell', '3', '1', 50, 50, '2', '4'],
  ] as const)(
    'should place TP/SL of a %s at %s when the tick is %s, TP %p % and SL %p % (TP %s, SL %s)',
    (side, price, tick, tp, sl, takeProfit, stopLoss) => {
      expect(exitPrices(side, price, tick, tp, sl)).toEqual({ takeProfit, stopLoss });
    },
  );

  it.each([
    ['a take-profit under one tick', 'Buy', 0.05, 0.2],
    ['a stop-loss under one tick', 'Buy', 0.3, 0.05],
    ['a take-profit under one tick', 'Sell', 0.05, 0.2],
    ['a stop-loss under one tick', 'Sell', 0.3, 0.05],
    ['a zero take-profit', 'Buy', 0, 0.2],
  ] as const)('should give nothing when there is %s for a %s', (_case, side, tp, sl) => {
    expect(exitPrices(side, '100.0', '0.1', tp, sl)).toBeUndefined();
  });

  it.each([
    ['Buy', 10, 100], // SL at 0
    ['Sell', 100, 10], // TP at 0
  ] as const)('should give nothing for a %s when a price would not be positive', (side, tp, sl) => {
    expect(exitPrices(side, '1.0', '0.1', tp, sl)).toBeUndefined();
  });

  it('should round TP and SL to the tick toward the entry when any entry and percentage are given', () => {
    // Independent integer formula: a percentage of p/100 % is a factor (10000 ± p) / 10000.
    const floorDiv = (a: bigint, b: bigint) => a / b;
    const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('Buy' as const, 'Sell' as const),
        (entryTicks, tpHundredths, slHundredths, side) => {
          const e = BigInt(entryTicks);
          const above = (h: number) => floorDiv(e * BigInt(10_000 + h), 10_000n);
          const below = (h: number) => ceilDiv(e * BigInt(10_000 - h), 10_000n);
          const tp = side === 'Buy' ? above(tpHundredths) : below(tpHundredths);
          const sl = side === 'Buy' ? below(slHundredths) : above(slHundredths);
          const text = (ticks: bigint) => (Number(ticks) / 100).toFixed(2);

          const sut = exitPrices(side, text(e), '0.01', tpHundredths / 100, slHundredths / 100);

          expect(sut).toEqual(
            tp === e || sl === e || tp <= 0n || sl <= 0n ? undefined : { takeProfit: text(tp), stopLoss: text(sl) },
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe(sizeEntry.name, () => {
  it('should size 100 USDT at 50000.0 as 0.002 with its exact notional and exits when everything fits', () => {
    expect(sizeEntry('Buy', '50000.0', LIMITS, INSTRUMENT)).toEqual({
      ok: true,
      qty: '0.002',
      notional: '100',
      notionalUsdt: 100,
      takeProfit: '50150.0',
      stopLoss: '49900.0',
    });
  });

  it('should round the qty DOWN when the budget is not a whole number of steps', () => {
    const sut = sizeEntry('Sell', '30000.0', LIMITS, INSTRUMENT);

    // 100 / 30000 = 0.00333…: 0.003 (90 USDT), never 0.004 (120 USDT).
    expect(sut).toMatchObject({ ok: true, qty: '0.003', notional: '90', notionalUsdt: 90 });
  });

  it('should size exactly when float arithmetic would round the wrong way (0.3 / 0.1)', () => {
    const sut = sizeEntry(
      'Buy',
      '0.1',
      limits({ orderSizeUsdt: 0.3, minOrderSizeUsdt: 0.3 }),
      anInstrument({ qtyStep: '1', minOrderQty: '1', minNotionalValue: '0.3', tickSize: '0.0001' }),
    );

    expect(sut).toMatchObject({ ok: true, qty: '3', notional: '0.3' });
  });

  it.each([
    ['0.0015', { qty: '0.001', notional: '50' }],
    ['0.0019', { qty: '0.001', notional: '50' }],
    ['0', { qty: '0.002', notional: '100' }], // no usable cap: only the budget limits the qty
  ])('should cap the qty, rounded down to the step, when maxMarketOrderQty is %s', (max, expected) => {
    expect(sizeEntry('Buy', '50000.0', LIMITS, anInstrument({ maxMarketOrderQty: max }))).toMatchObject({
      ok: true,
      ...expected,
    });
  });

  it('should refuse with BELOW_MIN_QTY, naming the cap, when the market-order cap is below the minimum qty', () => {
    const sut = sizeEntry('Buy', '50000.0', LIMITS, anInstrument({ maxMarketOrderQty: '0.001', minOrderQty: '0.002' }));

    expect(sut).toMatchObject({
      ok: false,
      approved: false,
      code: 'BELOW_MIN_QTY',
      details: { qty: '0.001', minOrderQty: '0.002', maxMarketOrderQty: '0.001' },
    });
  });

  it.each([
    [
      'the qty is below the minimum qty',
      limits(),
      anInstrument({ minOrderQty: '0.003' }),
      'BELOW_MIN_QTY',
      { qty: '0.002', minOrderQty: '0.003' },
    ],
    [
      'the budget buys less than one step',
      limits({ orderSizeUsdt: 49.99 }),
      anInstrument({ minOrderQty: '0' }),
      'BELOW_MIN_QTY',
      { qty: '0.000' },
    ],
    [
      'the notional is below the minimum notional',
      limits(),
      anInstrument({ minNotionalValue: '100.1' }),
      'BELOW_MIN_NOTIONAL',
      { notional: '100', minNotionalValue: '100.1' },
    ],
    [
      'rounding down leaves less than MIN_ORDER_SIZE_USDT',
      limits({ orderSizeUsdt: 99.99, minOrderSizeUsdt: 50.01 }),
      INSTRUMENT,
      'BELOW_MIN_ORDER_SIZE',
      { qty: '0.001', notional: '50' },
    ],
    [
      'TP is under one tick from the entry',
      limits({ takeProfitPct: 0.0001 }),
      INSTRUMENT,
      'INVALID_PRICE',
      { price: '50000.0', tickSize: '0.1', takeProfitPct: 0.0001 },
    ],
  ] as const)('should refuse when %s, never rounding up', (_case, sizing, instrument, code, details) => {
    const sut = sizeEntry('Buy', '50000.0', sizing, instrument);

    expect(sut).toMatchObject({ ok: false, approved: false, code, details });
  });

  it.each([
    ['the minimum notional', anInstrument({ minNotionalValue: '100' }), limits()],
    ['MIN_ORDER_SIZE_USDT', INSTRUMENT, limits({ minOrderSizeUsdt: 100 })],
    ['the minimum qty', anInstrument({ minOrderQty: '0.002' }), limits()],
  ])('should accept the order when it is exactly at %s', (_case, instrument, sizing) => {
    expect(sizeEntry('Buy', '50000.0', sizing, instrument)).toMatchObject({ ok: true, qty: '0.002' });
  });
});
