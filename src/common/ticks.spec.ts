import fc from 'fast-check';
import { compareDecimal, decimalsOf, DecimalFormatError, fromUnits, toUnits } from './ticks';

describe('ticks', () => {
  it('should convert prices on the tick grid exactly', () => {
    expect(toUnits('65000.5', '0.1')).toBe(650005);
    expect(toUnits('0.5868', '0.0001')).toBe(5868);
    expect(toUnits('0.3', '0.1')).toBe(3); // 0.1 + 0.2 style float errors cannot happen
    expect(toUnits('100', '0.50')).toBe(200);
    expect(fromUnits(650005, '0.1')).toBe('65000.5');
    expect(fromUnits(5, '0.001')).toBe('0.005');
    expect(fromUnits(200, '0.50')).toBe('100.00');
    expect(fromUnits(-3, '0.1')).toBe('-0.3');
  });

  it('should refuse an off-grid value in exact mode and round in the others', () => {
    expect(() => toUnits('0.0015', '0.001')).toThrow(DecimalFormatError);
    expect(toUnits('0.0015', '0.001', 'down')).toBe(1);
    expect(toUnits('0.0015', '0.001', 'up')).toBe(2);
    expect(toUnits('0.0015', '0.001', 'nearest')).toBe(2);
    expect(toUnits('0.0014', '0.001', 'nearest')).toBe(1);
    expect(toUnits('-0.0015', '0.001', 'down')).toBe(-2);
    expect(toUnits('-0.0015', '0.001', 'up')).toBe(-1);
  });

  it('should refuse malformed numbers', () => {
    for (const bad of ['', 'abc', '1e5', '1.2.3', 'NaN', '0x10'])
      expect(() => toUnits(bad, '0.1')).toThrow(DecimalFormatError);
    expect(() => toUnits('1', '0')).toThrow(DecimalFormatError);
  });

  it('should round-trip any unit count for any step', () => {
    const step = fc.constantFrom('1', '0.1', '0.5', '0.01', '0.0001', '0.025', '5');
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), step, (units, s) => toUnits(fromUnits(units, s), s) === units),
    );
  });

  it('should compare decimals exactly', () => {
    expect(compareDecimal('0.1', '0.10')).toBe(0);
    expect(compareDecimal('65000.05', '65000.5')).toBe(-1);
    expect(compareDecimal('-1', '-2')).toBe(1);
    expect(decimalsOf('0.0001')).toBe(4);
  });
});
