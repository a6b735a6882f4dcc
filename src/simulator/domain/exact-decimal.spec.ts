import fc from 'fast-check';
import { DecimalFormatError } from '../../common/ticks';
import { Dec } from './exact-decimal';

describe(Dec.name, () => {
  it('should add, subtract and multiply exactly when values have different scales', () => {
    expect(Dec.parse('0.1').add(Dec.parse('0.2')).toString()).toBe('0.3');
    expect(Dec.parse('47950.05').mul(Dec.parse('0.00055')).toString()).toBe('26.3725275'); // ws_account_execution.json
    expect(Dec.parse('1').sub(Dec.parse('1.000')).toString()).toBe('0');
    expect(Dec.parse('-0.50').neg().toString()).toBe('0.5');
  });

  it('should round divisions as asked when the quotient does not terminate', () => {
    const third = Dec.parse('1').div(Dec.parse('3'), 8, 'half-up');
    expect(third.toString()).toBe('0.33333333');
    expect(Dec.parse('2').div(Dec.parse('3'), 8, 'half-up').toString()).toBe('0.66666667');
    expect(Dec.parse('2').div(Dec.parse('3'), 8, 'down').toString()).toBe('0.66666666');
    expect(Dec.parse('-2').div(Dec.parse('3'), 8, 'up').toString()).toBe('-0.66666667');
    expect(() => Dec.ONE.div(Dec.ZERO, 2, 'down')).toThrow(RangeError);
  });

  it('should print with a minimum number of decimals when formatting', () => {
    expect(Dec.parse('100.15').format(1)).toBe('100.15');
    expect(Dec.parse('105').format(2)).toBe('105.00');
    expect(Dec.parse('1.005').toFixed(2)).toBe('1.01');
    expect(Dec.parse('-0.000').toString()).toBe('0');
  });

  it('should refuse malformed text when parsing', () => {
    for (const bad of ['', '1e5', 'abc', '1.2.3']) expect(() => Dec.parse(bad)).toThrow(DecimalFormatError);
  });

  it('should agree with integer arithmetic when values are scaled integers', () => {
    const scaled = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }));
    fc.assert(
      fc.property(scaled, scaled, ([a, sa], [b, sb]) => {
        const x = Dec.of(a, sa);
        const y = Dec.of(b, sb);
        const back = x.add(y).sub(y);
        return back.eq(x) && Dec.parse(x.toString()).eq(x) && x.mul(y).eq(Dec.of(BigInt(a) * BigInt(b), sa + sb));
      }),
    );
  });

  // The parser and printer are hand-written for speed; these compare them with the regular-expression versions they
  // replaced, on random text (short and longer than a double holds exactly, signs, zeros, whitespace, junk).
  describe('against the reference text conversions', () => {
    const REFERENCE = /^([-+])?(\d+)(?:\.(\d+))?$/;
    const referenceParse = (value: string): { units: bigint; scale: number } | 'error' => {
      const match = REFERENCE.exec(value.trim());
      if (!match) return 'error';
      const fraction = match[3] ?? '';
      const digits = BigInt(match[2] + fraction);
      return { units: match[1] === '-' ? -digits : digits, scale: fraction.length };
    };
    const referenceFormat = (units: bigint, scale: number, minDecimals: number): string => {
      const negative = units < 0n;
      const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
      let whole = scale === 0 ? digits : digits.slice(0, -scale);
      let fraction = scale === 0 ? '' : digits.slice(-scale);
      fraction = fraction.replace(/0+$/, '');
      if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, '0');
      whole = whole === '' ? '0' : whole;
      const text = fraction ? `${whole}.${fraction}` : whole;
      return negative && units !== 0n ? `-${text}` : text;
    };
    const decimalText = fc
      .tuple(
        fc.constantFrom('', '-', '+', ' ', '--', '.'),
        fc.stringMatching(/^[0-9]{0,22}$/),
        fc.constantFrom('', '.', '..', 'e'),
        fc.stringMatching(/^[0-9]{0,22}$/),
        fc.constantFrom('', ' ', '\n', 'x'),
      )
      .map(([sign, whole, dot, fraction, tail]) => `${sign}${whole}${dot}${fraction}${tail}`);

    it('should parse exactly what the reference parses and refuse what it refuses', () => {
      fc.assert(
        fc.property(decimalText, (text) => {
          const expected = referenceParse(text);
          if (expected === 'error') {
            expect(() => Dec.parse(text)).toThrow(DecimalFormatError);
          } else {
            const got = Dec.parse(text);
            expect([got.units, got.scale]).toEqual([expected.units, expected.scale]);
          }
        }),
        { numRuns: 3000 },
      );
    });

    it('should print exactly what the reference prints', () => {
      const units = fc.oneof(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: -1000, max: 1000 }).map(BigInt),
      );
      fc.assert(
        fc.property(units, fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 8 }), (u, scale, min) => {
          expect(Dec.of(u, scale).format(min)).toBe(referenceFormat(u, scale, min));
        }),
        { numRuns: 3000 },
      );
    });

    it('should add, subtract and compare like the aligned reference on mixed scales', () => {
      const value = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 45 }));
      fc.assert(
        fc.property(value, value, ([a, sa], [b, sb]) => {
          const scale = Math.max(sa, sb);
          const x = a * 10n ** BigInt(scale - sa);
          const y = b * 10n ** BigInt(scale - sb);
          const sum = Dec.of(a, sa).add(Dec.of(b, sb));
          const difference = Dec.of(a, sa).sub(Dec.of(b, sb));
          expect(sum.eq(Dec.of(x + y, scale))).toBe(true);
          expect(difference.eq(Dec.of(x - y, scale))).toBe(true);
          expect(Dec.of(a, sa).cmp(Dec.of(b, sb))).toBe(x === y ? 0 : x < y ? -1 : 1);
          expect(sum.toString()).toBe(referenceFormat(x + y, scale, 0));
        }),
        { numRuns: 3000 },
      );
    });
  });
});
