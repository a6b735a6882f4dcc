import { moneyDecimal, priceDecimal, qtyDecimal } from './wire-decimal';

describe('wire decimals', () => {
  it('should write a float price with the decimals of its tick, not its binary expansion', () => {
    expect(priceDecimal(96000.10000000001, '0.10')).toBe('96000.1');
    expect(priceDecimal(0.1 + 0.2, '0.0001')).toBe('0.3');
    expect(priceDecimal(96000.05, '0.10', 1)).toBe('96000.05');
  });

  it('should round half away from zero at the grid', () => {
    expect(priceDecimal(1.25, '0.1')).toBe('1.3');
    expect(priceDecimal(-1.25, '0.1')).toBe('-1.3');
  });

  it('should say null for a missing price', () => {
    expect(priceDecimal(Number.NaN, '0.1')).toBeNull();
    expect(qtyDecimal(Number.POSITIVE_INFINITY, '0.001')).toBeNull();
    expect(moneyDecimal(null)).toBeNull();
  });

  it('should write quantities on the qty step and money at 8 decimals', () => {
    expect(qtyDecimal(0.30000000000000004, '0.001')).toBe('0.3');
    expect(moneyDecimal(512.123456789)).toBe('512.12345679');
  });

  it('should keep 10 decimals when the grid is unknown', () => {
    expect(priceDecimal(1 / 3, undefined)).toBe('0.3333333333');
  });
});
