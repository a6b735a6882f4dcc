import * as fc from 'fast-check';
import {
  averagePriceText,
  decimal,
  decimalText,
  divide,
  isPositiveDecimal,
  moneyText,
  multiply,
  parseRational,
  type Rational,
  subtract,
  sumMoney,
} from './money';

describe(decimalText.name, () => {
  it.each([
    ['1.234567891234', 8, '1.23456789'],
    ['0.000000005', 8, '0.00000001'],
    ['-0.000000005', 8, '-0.00000001'],
    ['0.0000000049', 8, '0'],
    ['-0.0000000049', 8, '0'],
    ['100.00', 2, '100'],
    ['-2.50', 8, '-2.5'],
    ['12', 0, '12'],
  ] as const)('should write %s with %d decimals as %s (half away from zero, no -0)', (value, decimals, expected) => {
    expect(decimalText(decimal(value), decimals)).toBe(expected);
  });

  it('should round a non-terminating quotient once, at the write', () => {
    expect(averagePriceText(divide(decimal('302'), decimal('3')))).toBe('100.6666666667');
    expect(moneyText(divide(decimal('-1'), decimal('3')))).toBe('-0.33333333');
  });
});

describe(sumMoney.name, () => {
  it('should add decimal strings exactly where floats would not', () => {
    expect(sumMoney('0.1', '0.2')).toBe('0.3');
    expect(sumMoney('0.30000001', '-0.30000001')).toBe('0');
  });

  it('should count an empty string as zero (Bybit sends empty fees)', () => {
    expect(sumMoney('1.5', '')).toBe('1.5');
  });

  it('should throw a RangeError when a value is not a decimal', () => {
    expect(() => sumMoney('1', 'abc')).toThrow(RangeError);
  });

  it('should equal the exact integer sum when every value has at most 8 decimals', () => {
    const eightDecimals = fc.integer({ min: -1e12, max: 1e12 });
    fc.assert(
      fc.property(fc.array(eightDecimals, { maxLength: 10 }), (units) => {
        const text = (u: number) => decimalText({ num: BigInt(u), den: 100_000_000n }, 8);
        const expected = decimalText({ num: units.reduce((a, b) => a + BigInt(b), 0n), den: 100_000_000n }, 8);
        expect(sumMoney(...units.map(text))).toBe(expected);
      }),
    );
  });
});

describe(isPositiveDecimal.name, () => {
  it.each([
    ['0.001', true],
    ['0', false],
    ['0.000', false],
    ['-1', false],
    ['', false],
    [null, false],
    ['abc', false],
  ] as const)('should say %p is positive: %p', (value, expected) => {
    expect(isPositiveDecimal(value)).toBe(expected);
  });
});

describe('exactness', () => {
  it('should give back the operand when a product is divided by its factor', () => {
    const decimals = fc
      .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }))
      .map(([units, scale]) => ({ num: BigInt(units), den: 10n ** BigInt(scale) }));
    fc.assert(
      fc.property(decimals, decimals, (a, b) => {
        fc.pre(b.num !== 0n);
        expect(decimalText(subtract(divide(multiply(a, b), b), a), 12)).toBe('0');
      }),
    );
  });
});

// parseRational and decimalText read and write by hand (char loops, cached powers of ten); these compare them with
// the regular-expression versions they replaced on random text and values.
describe('money text conversions against the reference', () => {
  const REFERENCE = /^(-)?(\d+)(?:\.(\d+))?$/;
  const referenceParse = (value: string): Rational | undefined => {
    const match = REFERENCE.exec(value.trim());
    if (!match) return undefined;
    const fraction = match[3] ?? '';
    const digits = BigInt(match[2] + fraction);
    return { num: match[1] ? -digits : digits, den: 10n ** BigInt(fraction.length) };
  };
  const referenceText = (value: Rational, decimals: number): string => {
    const scale = 10n ** BigInt(decimals);
    const negative = value.num < 0n;
    const magnitude = (negative ? -value.num : value.num) * scale;
    let units = magnitude / value.den;
    if ((magnitude % value.den) * 2n >= value.den) units += 1n;
    if (units === 0n) return '0';
    const digits = units.toString().padStart(decimals + 1, '0');
    const whole = digits.slice(0, digits.length - decimals);
    const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
    const text = fraction === '' ? whole : `${whole}.${fraction}`;
    return negative ? `-${text}` : text;
  };
  const text = fc
    .tuple(
      fc.constantFrom('', '-', '+', ' ', '--', '.', ' -'),
      fc.stringMatching(/^[0-9]{0,22}$/),
      fc.constantFrom('', '.', '..', 'e'),
      fc.stringMatching(/^[0-9]{0,22}$/),
      fc.constantFrom('', ' ', '\t', 'x', '-'),
    )
    .map(([sign, whole, dot, fraction, tail]) => `${sign}${whole}${dot}${fraction}${tail}`);

  it('should parse exactly what the reference parses and refuse what it refuses', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(parseRational(value)).toEqual(referenceParse(value));
      }),
      { numRuns: 4000 },
    );
  });

  it('should write exactly what the reference writes', () => {
    const rational = fc.record({
      num: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
      den: fc.oneof(
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        fc.integer({ min: 0, max: 25 }).map((n) => 10n ** BigInt(n)),
      ),
    });
    fc.assert(
      fc.property(rational, fc.integer({ min: 0, max: 24 }), (value, decimals) => {
        expect(decimalText(value, decimals)).toBe(referenceText(value, decimals));
      }),
      { numRuns: 4000 },
    );
  });
});
