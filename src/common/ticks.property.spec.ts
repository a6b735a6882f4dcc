import fc from 'fast-check';
import {
  decimalDigits,
  DecimalFormatError,
  EXACT_POWERS_OF_TEN,
  formatScaled,
  fractionDigits,
  fromUnits,
  NEGATIVE_DECIMAL,
  NOT_PLAIN_DECIMAL,
  Rounding,
  TOO_MANY_DIGITS,
  toUnits,
} from './ticks';
import { withoutBigIntOrRegExp } from '../../test/support/without-exact-arithmetic';

// The BigInt implementations of toUnits and fromUnits from before their safe-integer fast paths: the oracle.
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

function parseOracle(value: string): { units: bigint; scale: number } {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new DecimalFormatError(value, 'not a plain decimal number');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const digits = BigInt(match[2] + fraction);
  return { units: match[1] ? -digits : digits, scale: fraction.length };
}

function toUnitsOracle(value: string, step: string, rounding: Rounding = 'exact'): number {
  const v = parseOracle(value);
  const s = parseOracle(step);
  if (s.units <= 0n) throw new DecimalFormatError(step, 'step must be positive');
  const scale = Math.max(v.scale, s.scale);
  const numerator = v.units * 10n ** BigInt(scale - v.scale);
  const denominator = s.units * 10n ** BigInt(scale - s.scale);
  let quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder !== 0n) {
    if (rounding === 'exact') throw new DecimalFormatError(value, `not a multiple of ${step}`);
    const negative = numerator < 0n;
    if (rounding === 'down' && negative) quotient -= 1n;
    if (rounding === 'up' && !negative) quotient += 1n;
    if (rounding === 'nearest') {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n;
      if (twice >= denominator) quotient += negative ? -1n : 1n;
    }
  }
  const result = Number(quotient);
  if (!Number.isSafeInteger(result)) throw new DecimalFormatError(value, 'too many steps to represent exactly');
  return result;
}

function fromUnitsOracle(units: number, step: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`units must be a safe integer, got ${units}`);
  const match = DECIMAL.exec(step.trim());
  if (!match) throw new DecimalFormatError(step, 'not a plain decimal number');
  const decimals = (match[3] ?? '').length;
  const s = parseOracle(step);
  const scaled = BigInt(units) * s.units * 10n ** BigInt(decimals - s.scale);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

/** The value, or the error's class and message: both must be the same. */
function outcome<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

const digitText = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

/** Plain decimals of every length (past 2^53 too), with leading and trailing zeros, signs and malformed texts. */
const decimalText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('', '', '', '-'), digitText(1, 9), fc.option(digitText(1, 9), { nil: undefined }))
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(digitText(1, 25), fc.option(digitText(1, 25), { nil: undefined }))
      .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' 1',
      '1 ',
      '1e5',
      '-1',
      '-0',
      '0',
      '0.0',
      '01.50',
      '.5',
      '1.',
      '1.2.3',
      '+1',
      '--1',
      '-',
      '.',
      'NaN',
      '0x10',
      '١',
      '9007199254740991',
      '9007199254740992',
      '0.1\n',
    ),
  },
);

const STEPS = [
  '0.1',
  '0.5',
  '0.01',
  '0.0001',
  '0.00005',
  '1',
  '5',
  '0.0000001',
  '0.001',
  '10',
  '100',
  '0.50',
  '0.025',
  '0.0000000000000000000001',
  '0.00000000000000000000001',
];
const ODD_STEPS = ['0', '0.00', '-0.1', ' 0.1', 'abc', '1e-7', '', '90071992547409930'];
const step = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...STEPS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_STEPS) },
);
const rounding = fc.constantFrom<Rounding>('exact', 'down', 'up', 'nearest');

describe('ticks fast paths', () => {
  it('should convert to units exactly as the BigInt implementation did, errors included, when given any decimal, step and rounding', () => {
    fc.assert(
      fc.property(decimalText, step, rounding, (value, s, mode) => {
        expect(outcome(() => toUnits(value, s, mode))).toStrictEqual(outcome(() => toUnitsOracle(value, s, mode)));
      }),
      { numRuns: 10_000 },
    );
  });

  it('should convert units on or next to the grid exactly as the BigInt implementation did', () => {
    const units = fc.oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.maxSafeInteger(),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 52, Math.floor(2 ** 53 / 10)),
    );
    fc.assert(
      fc.property(
        units,
        fc.constantFrom(...STEPS),
        fc.constantFrom('', '0', '5', '000', '0001'),
        rounding,
        (n, s, suffix, mode) => {
          const onGrid = fromUnitsOracle(n, s);
          const value = suffix === '' ? onGrid : `${onGrid}${onGrid.includes('.') ? '' : '.'}${suffix}`;

          expect(outcome(() => toUnits(value, s, mode))).toStrictEqual(outcome(() => toUnitsOracle(value, s, mode)));
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('should write units exactly as the BigInt implementation did, errors included, when given any unit count and step', () => {
    const units = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -10_000_000, max: 10_000_000 }) },
      { weight: 3, arbitrary: fc.maxSafeInteger() },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          -0,
          2 ** 53,
          -(2 ** 53),
          1.5,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.MAX_SAFE_INTEGER,
          Number.MIN_SAFE_INTEGER,
        ),
      },
    );
    fc.assert(
      fc.property(units, step, (n, s) => {
        expect(outcome(() => fromUnits(n, s))).toStrictEqual(outcome(() => fromUnitsOracle(n, s)));
      }),
      { numRuns: 10_000 },
    );
  });

  it('should need neither BigInt nor a RegExp for non-negative decimals on or near the grid, nor to write their units', () => {
    const grids = STEPS.filter((s) => fractionDigits(s) < EXACT_POWERS_OF_TEN.length);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.constantFrom(...grids),
        fc.constantFrom('', '0', '7'),
        rounding,
        (n, s, suffix, mode) => {
          const onGrid = fromUnitsOracle(n, s);
          const value = suffix === '' ? onGrid : `${onGrid}${onGrid.includes('.') ? '' : '.'}${suffix}`;
          const expected = outcome(() => toUnitsOracle(value, s, mode));
          if ('error' in expected) return; // an error is worded by the BigInt implementation

          expect(withoutBigIntOrRegExp(() => toUnits(value, s, mode))).toBe(expected.value);
          expect(withoutBigIntOrRegExp(() => fromUnits(n, s))).toBe(onGrid);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('should read the digits of exactly the texts the DECIMAL grammar accepts', () => {
    fc.assert(
      fc.property(fc.oneof(decimalText, fc.string({ maxLength: 12 })), (text) => {
        const match = DECIMAL.exec(text);
        const digits = match ? BigInt(match[2] + (match[3] ?? '')) : undefined;
        const expected =
          match === null
            ? NOT_PLAIN_DECIMAL
            : match[1]
              ? NEGATIVE_DECIMAL
              : digits! > BigInt(Number.MAX_SAFE_INTEGER)
                ? TOO_MANY_DIGITS
                : Number(digits);

        expect(decimalDigits(text)).toBe(expected);
        if (match) expect(fractionDigits(text)).toBe((match[3] ?? '').length);
      }),
      { numRuns: 10_000 },
    );
  });

  it('should format any safe integer with any number of decimals as the BigInt implementation did', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.maxSafeInteger()),
        fc.integer({ min: 0, max: EXACT_POWERS_OF_TEN.length - 1 }),
        (scaled, decimals) => {
          const unit = decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;

          expect(formatScaled(scaled, decimals)).toBe(fromUnitsOracle(scaled, unit));
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
