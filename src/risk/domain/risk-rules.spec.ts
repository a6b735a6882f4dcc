import * as fc from 'fast-check';
import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta } from '../../order-book/domain/order-book.parse';
import { add, compare, multiply, parseRational, Rational, rationalOfNumber } from '../../common/money';
import { KillSwitch } from './kill-switch';
import { bookCondition, EntryRiskInput, evaluateEntry } from './risk-rules';
import {
  EMPTY_EXPOSURE,
  ExposureSnapshot,
  InstrumentFilters,
  RiskDecision,
  RiskLimits,
  RiskRejectionCode,
} from './risk.types';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const MAX_AGE_MS = 5000;
const INSTRUMENT: InstrumentFilters = {
  tickSize: '0.1',
  qtyStep: '0.001',
  minOrderQty: '0.001',
  maxMarketOrderQty: '100',
  minNotionalValue: '5',
};
const LIMITS: RiskLimits = {
  maxOpenPositions: 5,
  maxExposureUsdt: 1000,
  minOrderSizeUsdt: 5,
  orderSizeUsdt: 100,
  takeProfitPct: 0.3,
  stopLossPct: 0.2,
};

/** A real book for BTCUSDT on the instrument's grid: 50000.0 / 50000.1, last updated `ageMs` before NOW. */
function aBook(ageMs = 0): OrderBook {
  const book = new OrderBook('BTCUSDT', INSTRUMENT);
  book.apply(BookDelta.of('snapshot', 1, [[500_000, 1000]], [[500_001, 1000]]), NOW - ageMs);
  return book;
}

function anExposure(overrides: Partial<ExposureSnapshot> = {}): ExposureSnapshot {
  return { ...EMPTY_EXPOSURE, symbolsInUse: new Set<string>(), ...overrides };
}

function anInput(overrides: Partial<EntryRiskInput> = {}): EntryRiskInput {
  return {
    request: { symbol: 'BTCUSDT', side: 'Buy', price: '50000.0', nowMs: NOW },
    killSwitch: new KillSwitch(500),
    book: aBook(),
    bookMaxAgeMs: MAX_AGE_MS,
    tradeBreaker: 'CLOSED',
    instrument: INSTRUMENT,
    exposure: anExposure(),
    limits: LIMITS,
    ...overrides,
  };
}

function withPrice(price: string, input: Partial<EntryRiskInput> = {}): EntryRiskInput {
  return anInput({ ...input, request: { symbol: 'BTCUSDT', side: 'Buy', price, nowMs: NOW } });
}

function codeOf(decision: RiskDecision): RiskRejectionCode | 'APPROVED' {
  return decision.approved ? 'APPROVED' : decision.code;
}

function activeKillSwitch(): KillSwitch {
  const killSwitch = new KillSwitch(500);
  killSwitch.activate('manual stop for maintenance', NOW, 'operator');
  return killSwitch;
}

describe(evaluateEntry.name, () => {
  it('should approve a sized entry with TP/SL when every rule passes', () => {
    const sut = evaluateEntry(anInput());

    expect(sut).toEqual({
      approved: true,
      order: {
        symbol: 'BTCUSDT',
        side: 'Buy',
        qty: '0.002',
        price: '50000.0',
        notionalUsdt: 100,
        takeProfit: '50150.0',
        stopLoss: '49900.0',
      },
    });
  });

  it('should put a Sell entry’s take-profit below and stop-loss above the price', () => {
    const sut = evaluateEntry(anInput({ request: { symbol: 'BTCUSDT', side: 'Sell', price: '50000.0', nowMs: NOW } }));

    expect(sut).toMatchObject({ approved: true, order: { side: 'Sell', takeProfit: '49850.0', stopLoss: '50100.0' } });
  });

  describe('rule order', () => {
    /** Each entry breaks one rule; applied cumulatively from the i-th on, the i-th rule must be the one reported. */
    const BREAKS: ReadonlyArray<[RiskRejectionCode, Partial<EntryRiskInput>]> = [
      ['KILL_SWITCH_ACTIVE', { killSwitch: activeKillSwitch() }],
      ['BOOK_STALE', { book: undefined }],
      ['BREAKER_OPEN', { tradeBreaker: 'OPEN' }],
      ['INSTRUMENT_UNKNOWN', { instrument: undefined }],
    ];

    it.each(BREAKS.map(([code], index) => [code, index] as const))(
      'should report %s first when it and every later rule are broken',
      (code, index) => {
        const broken = Object.assign({}, ...BREAKS.slice(index).map(([, patch]) => patch)) as Partial<EntryRiskInput>;

        expect(codeOf(evaluateEntry(anInput(broken)))).toBe(code);
      },
    );

    it('should check price, then symbol in use, open positions, sizing, exposure and balance, in that order', () => {
      const full = new Set(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT']);
      const everything = { openPositions: 5, symbolsInUse: full, openNotionalUsdt: 5000, availableBalanceUsdt: 0 };
      const tinyInstrument = { ...INSTRUMENT, minOrderQty: '1' };

      expect(
        codeOf(evaluateEntry(withPrice('0', { exposure: anExposure(everything), instrument: tinyInstrument }))),
      ).toBe('INVALID_PRICE');
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure(everything), instrument: tinyInstrument })))).toBe(
        'POSITION_ALREADY_OPEN',
      );
      const others = new Set(['ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT']);
      expect(
        codeOf(
          evaluateEntry(
            anInput({ exposure: anExposure({ ...everything, symbolsInUse: others }), instrument: tinyInstrument }),
          ),
        ),
      ).toBe('MAX_OPEN_POSITIONS');
      const room = { openNotionalUsdt: 5000, availableBalanceUsdt: 0 };
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure(room), instrument: tinyInstrument })))).toBe(
        'BELOW_MIN_QTY',
      );
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure(room) })))).toBe('MAX_EXPOSURE');
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure({ availableBalanceUsdt: 0 }) })))).toBe(
        'INSUFFICIENT_BALANCE',
      );
    });
  });

  describe('trading and kill switch', () => {
    it('should refuse while the kill switch is active, naming its reason', () => {
      const sut = evaluateEntry(anInput({ killSwitch: activeKillSwitch() }));

      expect(sut).toMatchObject({
        approved: false,
        code: 'KILL_SWITCH_ACTIVE',
        details: { reason: 'manual stop for maintenance' },
      });
      expect(sut.approved || sut.message).toContain('manual stop for maintenance');
    });
  });

  describe('book freshness', () => {
    it('should refuse a symbol with no book yet', () => {
      expect(evaluateEntry(anInput({ book: undefined }))).toMatchObject({
        code: 'BOOK_STALE',
        details: { condition: 'no-data' },
      });
    });

    it('should refuse a book waiting for a resync', () => {
      const book = aBook();
      book.requestResync();

      expect(evaluateEntry(anInput({ book }))).toMatchObject({
        code: 'BOOK_STALE',
        details: { condition: 'resyncing' },
      });
    });

    it('should refuse a crossed book', () => {
      const book = new OrderBook('BTCUSDT', INSTRUMENT);
      book.apply(BookDelta.of('snapshot', 1, [[500_002, 1]], [[500_001, 1]]), NOW);

      expect(evaluateEntry(anInput({ book }))).toMatchObject({ code: 'BOOK_STALE', details: { condition: 'crossed' } });
    });

    it('should refuse a book with an empty side', () => {
      const book = new OrderBook('BTCUSDT', INSTRUMENT);
      book.apply(BookDelta.of('snapshot', 1, [[500_000, 1]], []), NOW);

      expect(evaluateEntry(anInput({ book }))).toMatchObject({
        code: 'BOOK_STALE',
        details: { condition: 'one-sided' },
      });
    });

    it('should accept a book exactly ORDERBOOK_STALE_MS old and refuse one a millisecond older, naming both ages', () => {
      expect(codeOf(evaluateEntry(anInput({ book: aBook(MAX_AGE_MS) })))).toBe('APPROVED');
      const sut = evaluateEntry(anInput({ book: aBook(MAX_AGE_MS + 1) }));

      expect(sut).toMatchObject({ code: 'BOOK_STALE', details: { condition: 'stale', ageMs: 5001, maxAgeMs: 5000 } });
      expect(sut.approved || sut.message).toMatch(/5001 ms.*5000/);
    });

    it('should classify books the same way OrderBook.canSignal decides', () => {
      expect(bookCondition(aBook(), NOW, MAX_AGE_MS)).toBe('fresh');
      expect(bookCondition(aBook(MAX_AGE_MS + 1), NOW, MAX_AGE_MS)).toBe('stale');
      expect(bookCondition(undefined, NOW, MAX_AGE_MS)).toBe('no-data');
    });
  });

  describe('trade breaker', () => {
    it('should refuse while the trade breaker is OPEN', () => {
      expect(evaluateEntry(anInput({ tradeBreaker: 'OPEN' }))).toMatchObject({
        code: 'BREAKER_OPEN',
        details: { group: 'trade' },
      });
    });

    it.each(['CLOSED', 'HALF_OPEN'] as const)(
      'should let an entry through while the breaker is %s (HALF_OPEN lets its one probe through)',
      (state) => {
        expect(codeOf(evaluateEntry(anInput({ tradeBreaker: state })))).toBe('APPROVED');
      },
    );
  });

  describe('instrument and price', () => {
    it('should refuse a symbol without instrument data', () => {
      expect(evaluateEntry(anInput({ instrument: undefined }))).toMatchObject({
        code: 'INSTRUMENT_UNKNOWN',
        details: { symbol: 'BTCUSDT' },
      });
    });

    it.each([
      ['0', 'is not positive'],
      ['-50000.0', 'is not positive'],
      ['50000.05', 'is not on the tick grid'],
      ['abc', 'is not a plain decimal'],
      ['5e4', 'is not a plain decimal'],
      [' 50000.0', 'is not a plain decimal'],
      ['', 'is not a plain decimal'],
    ])('should refuse the price %j because it %s', (price, problem) => {
      const sut = evaluateEntry(withPrice(price));

      expect(sut).toMatchObject({ code: 'INVALID_PRICE', details: { price, tickSize: '0.1' } });
      expect(sut.approved || sut.message).toContain(problem);
    });

    it('should accept a price with trailing zeros beyond the tick', () => {
      expect(codeOf(evaluateEntry(withPrice('50000.10')))).toBe('APPROVED');
    });
  });

  describe('positions', () => {
    it('should refuse a second entry on a symbol already in use', () => {
      const exposure = anExposure({ openPositions: 1, symbolsInUse: new Set(['BTCUSDT']) });

      expect(evaluateEntry(anInput({ exposure }))).toMatchObject({ code: 'POSITION_ALREADY_OPEN' });
    });

    it('should allow the entry that brings open positions to exactly MAX_OPEN_POSITIONS and refuse the next', () => {
      const four = anExposure({ openPositions: 4, symbolsInUse: new Set(['A', 'B', 'C', 'D']) });
      const five = anExposure({ openPositions: 5, symbolsInUse: new Set(['A', 'B', 'C', 'D', 'E']) });

      expect(codeOf(evaluateEntry(anInput({ exposure: four })))).toBe('APPROVED');
      const sut = evaluateEntry(anInput({ exposure: five }));
      expect(sut).toMatchObject({ code: 'MAX_OPEN_POSITIONS', details: { openPositions: 5, maxOpenPositions: 5 } });
      expect(sut.approved || sut.message).toMatch(/5 \+ 1 .* 5/);
    });

    it('should count a symbol with only an active entry order as a position', () => {
      const pendingEntries = anExposure({ openPositions: 0, symbolsInUse: new Set(['A', 'B', 'C', 'D', 'E']) });

      expect(codeOf(evaluateEntry(anInput({ exposure: pendingEntries })))).toBe('MAX_OPEN_POSITIONS');
    });
  });

  describe('sizing', () => {
    it('should refuse when the rounded-down qty is below the instrument minimum', () => {
      expect(evaluateEntry(anInput({ instrument: { ...INSTRUMENT, minOrderQty: '0.003' } }))).toMatchObject({
        code: 'BELOW_MIN_QTY',
        details: { symbol: 'BTCUSDT', qty: '0.002', minOrderQty: '0.003' },
      });
    });

    it('should refuse when the notional is below the instrument minimum notional', () => {
      expect(evaluateEntry(anInput({ instrument: { ...INSTRUMENT, minNotionalValue: '100.1' } }))).toMatchObject({
        code: 'BELOW_MIN_NOTIONAL',
      });
    });

    it('should refuse when rounding down leaves less than MIN_ORDER_SIZE_USDT, never rounding up', () => {
      // 99.99 USDT at 50000 buys 0.001 (50 USDT) once rounded down to the step.
      const limits = { ...LIMITS, orderSizeUsdt: 99.99, minOrderSizeUsdt: 50.01 };

      expect(evaluateEntry(anInput({ limits }))).toMatchObject({
        code: 'BELOW_MIN_ORDER_SIZE',
        details: { qty: '0.001', notional: '50' },
      });
      expect(evaluateEntry(anInput({ limits: { ...limits, minOrderSizeUsdt: 50 } }))).toMatchObject({
        approved: true,
        order: { qty: '0.001' },
      });
    });
  });

  describe('exposure', () => {
    it('should allow the order that brings exposure to exactly MAX_EXPOSURE_USDT and refuse one a cent over', () => {
      expect(
        codeOf(evaluateEntry(anInput({ exposure: anExposure({ openNotionalUsdt: 800, pendingNotionalUsdt: 100 }) }))),
      ).toBe('APPROVED');
      const sut = evaluateEntry(
        anInput({ exposure: anExposure({ openNotionalUsdt: 800.01, pendingNotionalUsdt: 100 }) }),
      );

      expect(sut).toMatchObject({
        code: 'MAX_EXPOSURE',
        details: { openNotionalUsdt: 800.01, pendingNotionalUsdt: 100, orderNotional: '100', maxExposureUsdt: 1000 },
      });
      expect(sut.approved || sut.message).toContain(
        '800.01 + pending 100 + this order 100 USDT would exceed MAX_EXPOSURE_USDT 1000',
      );
    });

    it('should compare exactly, where float addition would refuse an order exactly at the limit', () => {
      // 0.1 + 0.2 + 100 is 100.30000000000001 in floating point.
      const limits = { ...LIMITS, maxExposureUsdt: 100.3 };

      expect(
        codeOf(
          evaluateEntry(anInput({ limits, exposure: anExposure({ openNotionalUsdt: 0.1, pendingNotionalUsdt: 0.2 }) })),
        ),
      ).toBe('APPROVED');
    });

    it('should refuse when the exposure figures are not finite numbers', () => {
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure({ openNotionalUsdt: Number.NaN }) })))).toBe(
        'MAX_EXPOSURE',
      );
    });
  });

  describe('balance', () => {
    it('should not check the margin while the balance is unknown', () => {
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure({ availableBalanceUsdt: null }) })))).toBe('APPROVED');
    });

    it('should allow a margin of exactly the available balance and refuse one a cent above it', () => {
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure({ availableBalanceUsdt: 10, leverage: 10 }) })))).toBe(
        'APPROVED',
      );
      const sut = evaluateEntry(anInput({ exposure: anExposure({ availableBalanceUsdt: 9.99, leverage: 10 }) }));

      expect(sut).toMatchObject({
        code: 'INSUFFICIENT_BALANCE',
        details: { requiredMarginUsdt: 10, availableBalanceUsdt: 9.99, leverage: 10 },
      });
    });

    it('should take a leverage below 1 as 1, the larger margin', () => {
      expect(codeOf(evaluateEntry(anInput({ exposure: anExposure({ availableBalanceUsdt: 50, leverage: 0 }) })))).toBe(
        'INSUFFICIENT_BALANCE',
      );
    });
  });

  describe('properties', () => {
    const scenario = fc.record({
      priceTicks: fc.integer({ min: 1, max: 1_000_000 }),
      orderSizeUsdt: fc.integer({ min: 1, max: 100_000 }).map((cents) => cents / 100),
      maxExposureUsdt: fc.integer({ min: 0, max: 5_000_000 }).map((cents) => cents / 100),
      openNotionalUsdt: fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100),
      pendingNotionalUsdt: fc.integer({ min: 0, max: 500_000 }).map((cents) => cents / 100),
      side: fc.constantFrom('Buy' as const, 'Sell' as const),
    });

    const usd = (value: number): Rational => rationalOfNumber(value);

    it('should never approve a qty × price above ORDER_SIZE_USDT or above the exposure room', () => {
      let approvals = 0;
      fc.assert(
        fc.property(scenario, (s) => {
          const price = `${Math.floor(s.priceTicks / 10)}.${s.priceTicks % 10}`;
          const limits = {
            ...LIMITS,
            orderSizeUsdt: s.orderSizeUsdt,
            minOrderSizeUsdt: 0,
            maxExposureUsdt: s.maxExposureUsdt,
            stopLossPct: 1,
            takeProfitPct: 1,
          };
          const exposure = anExposure({
            openNotionalUsdt: s.openNotionalUsdt,
            pendingNotionalUsdt: s.pendingNotionalUsdt,
          });
          const instrument = { ...INSTRUMENT, minNotionalValue: '0', maxMarketOrderQty: '1000000' };
          const sut = evaluateEntry(
            anInput({ request: { symbol: 'BTCUSDT', side: s.side, price, nowMs: NOW }, limits, exposure, instrument }),
          );
          if (!sut.approved) return;
          approvals += 1;
          const notional = multiply(parseRational(sut.order.qty)!, parseRational(price)!);
          expect(compare(notional, usd(s.orderSizeUsdt))).toBeLessThanOrEqual(0);
          expect(
            compare(add(add(notional, usd(s.openNotionalUsdt)), usd(s.pendingNotionalUsdt)), usd(s.maxExposureUsdt)),
          ).toBeLessThanOrEqual(0);
        }),
        { numRuns: 2000 },
      );
      // The property must not hold vacuously: a good share of the scenarios fit the room.
      expect(approvals).toBeGreaterThan(200);
    });

    it('should refuse on exposure exactly the orders that would take it past the limit', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 200_000 }), (openCents) => {
          const open = openCents / 100;
          const sut = evaluateEntry(anInput({ exposure: anExposure({ openNotionalUsdt: open }) }));
          // The order is 100 USDT and the limit 1000: it fits while open ≤ 900.
          expect(codeOf(sut)).toBe(openCents <= 90_000 ? 'APPROVED' : 'MAX_EXPOSURE');
        }),
      );
    });
  });
});
