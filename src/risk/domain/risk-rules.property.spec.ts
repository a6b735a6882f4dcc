import fc from 'fast-check';
import { fromUnits } from '../../common/ticks';
import { add, multiplyDecimals, parseRational, Rational, rationalOfNumber } from '../../common/money';
import { sizeEntry } from './order-sizing';
import { BookReadiness, EntryRiskInput, evaluateEntry, evaluateEntryExactly } from './risk-rules';
import { EntrySide, InstrumentFilters, RiskDecision, RiskLimits, TradeBreakerState } from './risk.types';
import { ExactArithmeticUsed, withoutBigIntOrRegExp } from '../../../test/support/without-exact-arithmetic';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

const TICKS = ['0.1', '0.5', '0.01', '0.0001', '0.00005', '1', '5', '0.0000001', '0.10', '0.50'];
const STEPS = ['0.001', '0.01', '0.1', '1', '10', '100', '0.010'];
/** Filters only the exact rules handle (spaces, signs, malformed, zero): the fast path must leave them to it. */
const ODD_TICKS = [' 0.1', '0', '-0.1', 'abc', '1e-7', ''];
const ODD_STEPS = ['0', '-1', ' 0.001', 'abc'];

/** `usual` nearly always, one of `rare` now and then. */
function mostly<T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 24, arbitrary: usual }, { weight: 1, arbitrary: rare });
}

const instrument: fc.Arbitrary<InstrumentFilters> = fc.record({
  tickSize: mostly(fc.constantFrom(...TICKS), fc.constantFrom(...ODD_TICKS)),
  qtyStep: mostly(fc.constantFrom(...STEPS), fc.constantFrom(...ODD_STEPS)),
  minOrderQty: mostly(
    fc.constantFrom('0.001', '0', '0.01', '0.1', '1', '0.0015', '0.002'),
    fc.constantFrom('10', '100', '-1', ' 0.001', '100000000000000000000'),
  ),
  maxMarketOrderQty: mostly(
    fc.constantFrom('100', '119.000', '1000000', '0', '0.0015', '1'),
    fc.constantFrom('-5', '100000000000000000000', 'abc', '1e3', '9007199254740993'),
  ),
  minNotionalValue: mostly(
    fc.constantFrom('5', '0', '1', '5.00', '100.1', '0.0000001', '12.5'),
    fc.constantFrom('abc', '-1', ' 5', '1000000000000000000000000'),
  ),
});

/** USDT amounts: cents, round and awkward decimals, extremes, and now and then a nonsensical one. */
const usdt = mostly(
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100) },
    { weight: 3, arbitrary: fc.constantFrom(100, 12.5, 0.3, 1e-7, 1e21, 99.99, 5, 0, 50_000, 1_000_000, 0.1, 0.2) },
    { weight: 2, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) },
  ),
  fc.constantFrom(-5, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300, 5e-324),
);
const percent = mostly(
  fc.oneof(
    fc.integer({ min: 10, max: 2_000 }).map((hundredths) => hundredths / 100),
    fc.constantFrom(0.3, 0.2, 1, 10, 50, 99.99, 100, 150, 0.05, 0.0001, 1e-7, 0, 12.5),
  ),
  fc.constantFrom(1e21, -1, Number.NaN, 0.123456789012345),
);
const limits: fc.Arbitrary<RiskLimits> = fc.record({
  maxOpenPositions: mostly(fc.constant(5), fc.constantFrom(1, 0)),
  maxExposureUsdt: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(10_000, 1e6, 1e21) },
    { weight: 1, arbitrary: usdt },
  ),
  minOrderSizeUsdt: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(5, 0, 1) }, { weight: 1, arbitrary: usdt }),
  orderSizeUsdt: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(100, 1000, 12.5, 10_000, 250.75, 100_000) },
    { weight: 1, arbitrary: usdt },
  ),
  takeProfitPct: percent,
  stopLossPct: percent,
});

/** How the price is written: on the grid, with extra zeros, off the grid, malformed, or far too long. */
type PriceShape = 'grid' | 'trailing zeros' | 'leading zeros' | 'off grid' | 'malformed' | 'long';
const priceShape = fc.oneof(
  { weight: 12, arbitrary: fc.constant<PriceShape>('grid') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<PriceShape>('trailing zeros', 'leading zeros', 'off grid', 'malformed', 'long'),
  },
);
/** Prices of a thousand to a million ticks, now and then far more. */
const priceTicks = mostly(
  fc.double({ min: 3, max: 6, noNaN: true }).map((exponent) => Math.round(10 ** exponent)),
  fc.oneof(
    fc.integer({ min: 1, max: 1_000 }),
    fc.integer({ min: 1_000_000_000, max: 10_000_000_000_000 }),
    fc.integer({ min: 2 ** 50, max: 2 ** 53 }),
  ),
);
const MALFORMED = [
  ' 1',
  '1e5',
  '-1',
  '0',
  '0.0',
  '01.50',
  '.5',
  '1.',
  '1.2.3',
  '',
  '1 ',
  '+1',
  '-0',
  '00',
  '0x10',
  '١',
];
const LONG = [
  '1' + '0'.repeat(30),
  '9'.repeat(20),
  `0.${'0'.repeat(30)}1`,
  `1.${'0'.repeat(40)}`,
  `${'0'.repeat(40)}5`,
  `123456789012345678.9`,
];

function priceText(shape: PriceShape, ticks: number, tick: string, pick: number): string {
  let onGrid: string;
  try {
    onGrid = fromUnits(ticks, tick);
  } catch {
    onGrid = String(ticks);
  }
  const withPoint = onGrid.includes('.') ? onGrid : `${onGrid}.`;
  switch (shape) {
    case 'grid':
      return onGrid;
    case 'trailing zeros':
      return `${withPoint}000`;
    case 'leading zeros':
      return `00${onGrid}`;
    case 'off grid':
      return pick % 2 === 0 ? `${withPoint}0007` : String(Number.parseInt(onGrid.replace('.', ''), 10) + 1);
    case 'malformed':
      return MALFORMED[pick % MALFORMED.length];
    case 'long':
      return LONG[pick % LONG.length];
  }
}

/**
 * What sits exactly at a limit of this very order (as decimals), or next to it: the exposure or the margin (an ulp
 * either side), or the budget, a minimum or the qty cap (a unit of one decimal more either side, so that rounding
 * to the grid decides).
 */
type Edge =
  | 'none'
  | 'exposure at limit'
  | 'balance at limit'
  | 'order size'
  | 'min notional'
  | 'min order size'
  | 'min qty'
  | 'qty cap';
const edge = fc.constantFrom<Edge>(
  'none',
  'none',
  'exposure at limit',
  'balance at limit',
  'order size',
  'min notional',
  'min order size',
  'min qty',
  'qty cap',
);

const exposureFigure = mostly(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100) },
    { weight: 1, arbitrary: fc.constantFrom(0, 0.1, 0.2, 800, 900, 1e-7, 1e21) },
  ),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -0),
);
const balance = mostly(
  fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 100_000_000 }).map((cents) => cents / 100),
    fc.constantFrom(0, 9.99, 10, 1e-7, 1e21, 1e6),
  ),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -5),
);
/** Leverages whose reciprocal is a decimal, so a balance can sit exactly at the margin. */
const LEVERAGE_RECIPROCALS: ReadonlyMap<number, string> = new Map([
  [1, '1'],
  [2, '0.5'],
  [4, '0.25'],
  [5, '0.2'],
  [10, '0.1'],
  [12.5, '0.08'],
]);
const leverage = mostly(
  fc.constantFrom(1, 10, 12.5, 2, 4, 5, 3),
  fc.constantFrom(0, Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5),
);

const BOOK_FRESH: BookReadiness = {
  synced: true,
  crossed: false,
  bidCount: 3,
  askCount: 3,
  lastUpdateMs: NOW,
  canSignal: () => true,
};
const BOOK_STALE: BookReadiness = {
  synced: true,
  crossed: false,
  bidCount: 3,
  askCount: 3,
  lastUpdateMs: NOW - 9_000,
  canSignal: () => false,
};

const scenario = fc.record({
  instrument,
  limits,
  side: fc.constantFrom<EntrySide>('Buy', 'Sell'),
  shape: priceShape,
  ticks: priceTicks,
  pick: fc.nat(),
  /** When positive, ORDER_SIZE_USDT is set to buy about this many qty steps at the price. */
  budgetSteps: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
    { weight: 1, arbitrary: fc.constant(0) },
  ),
  open: exposureFigure,
  pending: exposureFigure,
  balance,
  leverage,
  edge,
  nudge: fc.constantFrom(-1, 0, 0, 1),
  symbolsInUse: mostly(
    fc.constantFrom<readonly string[]>([], ['ETHUSDT']),
    fc.constantFrom<readonly string[]>(['BTCUSDT'], ['A', 'B', 'C', 'D', 'E']),
  ),
  openPositions: mostly(fc.constantFrom(0, 1, 4), fc.constant(5)),
  killSwitchActive: mostly(fc.constant(false), fc.constant(true)),
  fresh: mostly(fc.constant(true), fc.constant(false)),
  tradeBreaker: mostly(
    fc.constantFrom<TradeBreakerState>('CLOSED', 'HALF_OPEN'),
    fc.constant<TradeBreakerState>('OPEN'),
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/** A decimal rational (a power of ten as denominator) written out. */
function decimalOf(value: Rational): string {
  const scale = value.den.toString().length - 1;
  const negative = value.num < 0n;
  const digits = (negative ? -value.num : value.num).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The double `steps` ulps away from `value` (toward +∞ for a positive count). */
function ulpsAway(value: number, steps: number): number {
  if (steps === 0 || !Number.isFinite(value)) return value;
  const view = new DataView(new ArrayBuffer(8));
  let result = value;
  for (let i = 0; i < Math.abs(steps); i++) {
    if (result === 0) {
      result = steps > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
      continue;
    }
    view.setFloat64(0, result);
    const bits = view.getBigInt64(0);
    view.setBigInt64(0, result > 0 === steps > 0 ? bits + 1n : bits - 1n);
    result = view.getFloat64(0);
  }
  return result;
}

function inputOf(s: Scenario): EntryRiskInput {
  const price = priceText(s.shape, s.ticks, s.instrument.tickSize, s.pick);
  let { instrument, balance, limits: riskLimits } = s;
  if (s.budgetSteps > 0 && Number(instrument.qtyStep) > 0 && Number(price) > 0) {
    // ORDER_SIZE_USDT written as a config value would be, worth about that many steps at this price.
    riskLimits = {
      ...riskLimits,
      orderSizeUsdt: Number((Number(price) * Number(instrument.qtyStep) * s.budgetSteps * 1.0003).toPrecision(6)),
    };
  }
  const sized = s.edge === 'none' ? undefined : tryOrUndefined(() => sizeEntry(s.side, price, riskLimits, instrument));
  if (sized?.ok) {
    const notional = parseRational(sized.notional)!;
    switch (s.edge) {
      case 'exposure at limit':
        if (Number.isFinite(s.open) && Number.isFinite(s.pending)) {
          const atLimit = add(add(rationalOfNumber(s.open), rationalOfNumber(s.pending)), notional);
          riskLimits = { ...riskLimits, maxExposureUsdt: ulpsAway(Number(decimalOf(atLimit)), s.nudge) };
        }
        break;
      case 'balance at limit': {
        const reciprocal = LEVERAGE_RECIPROCALS.get(s.leverage);
        if (reciprocal) balance = ulpsAway(Number(multiplyDecimals(sized.notional, reciprocal)), s.nudge);
        break;
      }
      case 'order size':
        riskLimits = { ...riskLimits, orderSizeUsdt: Number(nudged(sized.notional, s.nudge)) };
        break;
      case 'min notional':
        instrument = { ...instrument, minNotionalValue: nudged(sized.notional, s.nudge) };
        break;
      case 'min order size':
        riskLimits = { ...riskLimits, minOrderSizeUsdt: Number(nudged(sized.notional, s.nudge)) };
        break;
      case 'min qty':
        instrument = { ...instrument, minOrderQty: nudged(sized.qty, s.nudge) };
        break;
      case 'qty cap':
        instrument = { ...instrument, maxMarketOrderQty: nudged(sized.qty, s.nudge) };
        break;
      case 'none':
        break;
    }
  }
  return {
    request: { symbol: 'BTCUSDT', side: s.side, price, nowMs: NOW },
    killSwitch: { active: s.killSwitchActive, reason: s.killSwitchActive ? 'daily loss' : null },
    book: s.fresh ? BOOK_FRESH : BOOK_STALE,
    bookMaxAgeMs: 5000,
    tradeBreaker: s.tradeBreaker,
    instrument,
    exposure: {
      openPositions: s.openPositions,
      symbolsInUse: new Set(s.symbolsInUse),
      openNotionalUsdt: s.open,
      pendingNotionalUsdt: s.pending,
      availableBalanceUsdt: balance,
      leverage: s.leverage,
    },
    limits: riskLimits,
  };
}

/** `decimal` moved by `nudge` units of the decimal place after its last. */
function nudged(decimal: string, nudge: number): string {
  const exact = parseRational(decimal)!;
  return decimalOf(add(exact, { num: BigInt(nudge), den: exact.den * 10n }));
}

function tryOrUndefined<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

/** The decision, or the error's class and message: both must be the same. */
function outcome(run: () => unknown): unknown {
  try {
    return { decision: run() };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

/** The decision when evaluateEntry takes it in integer arithmetic alone, else undefined. */
function decisionOnGrid(input: EntryRiskInput): RiskDecision | undefined {
  try {
    return withoutBigIntOrRegExp(() => evaluateEntry(input));
  } catch (error) {
    if (error instanceof ExactArithmeticUsed) return undefined;
    throw error;
  }
}

describe('entry rules on the integer grid', () => {
  it('should decide every entry exactly as the exact rules do, errors included, and decide most of them on the grid', () => {
    let onGrid = 0;
    let runs = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const input = inputOf(s);
        const exact = outcome(() => evaluateEntryExactly(input));
        runs += 1;

        expect(outcome(() => evaluateEntry(input))).toStrictEqual(exact);
        const fast = decisionOnGrid(input);
        if (fast === undefined) return;
        onGrid += 1;
        expect({ decision: fast }).toStrictEqual(exact);
      }),
      { numRuns: 20_000 },
    );
    expect(onGrid / runs).toBeGreaterThan(0.6);
  });

  it('should decide plain entries on the grid, without BigInt or RegExp, as the exact rules do', () => {
    const plain = scenario.map((s): Scenario => ({
      ...s,
      instrument: {
        tickSize: TICKS[s.pick % TICKS.length],
        qtyStep: ['0.001', '0.01', '0.1', '0.010', '1'][s.pick % 5],
        minOrderQty: '0',
        maxMarketOrderQty: '1000000',
        minNotionalValue: '5',
      },
      limits: {
        maxOpenPositions: 5,
        maxExposureUsdt: 1e9,
        minOrderSizeUsdt: 5,
        orderSizeUsdt: 1e6,
        takeProfitPct: 0.3,
        stopLossPct: 0.2,
      },
      shape: 'grid',
      budgetSteps: 0,
      ticks: 1_000 + (s.ticks % 200_000),
      open: 100.5,
      pending: 0,
      balance: s.pick % 2 === 0 ? null : 1e8,
      leverage: 10,
      edge: 'none',
      symbolsInUse: [],
      openPositions: 0,
      killSwitchActive: false,
      fresh: true,
      tradeBreaker: 'CLOSED',
    }));
    let approved = 0;
    fc.assert(
      fc.property(plain, (s) => {
        const input = inputOf(s);
        const exact = evaluateEntryExactly(input);

        const sut = withoutBigIntOrRegExp(() => evaluateEntry(input));

        expect(sut).toStrictEqual(exact);
        if (exact.approved) approved += 1;
      }),
      { numRuns: 5_000 },
    );
    expect(approved).toBeGreaterThan(4_500);
  });

  it('should rebuild an instrument’s grid when it is used with other limits', () => {
    const shared: InstrumentFilters = {
      tickSize: '0.1',
      qtyStep: '0.001',
      minOrderQty: '0.001',
      maxMarketOrderQty: '100',
      minNotionalValue: '5',
    };
    fc.assert(
      fc.property(scenario, (s) => {
        const input = inputOf({ ...s, instrument: shared, edge: 'none' });

        expect(outcome(() => evaluateEntry(input))).toStrictEqual(outcome(() => evaluateEntryExactly(input)));
      }),
      { numRuns: 3_000 },
    );
  });
});
