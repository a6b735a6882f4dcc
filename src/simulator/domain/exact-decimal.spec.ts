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
});
