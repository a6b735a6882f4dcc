import fc from 'fast-check';
import { fromUnits } from '../../common/ticks';
import { multiplySteps, StepFormatter, stepOfDecimals, trimDecimal } from './sim-book-format';

describe(StepFormatter.name, () => {
  it('should format exactly like fromUnits when given any step and unit count', () => {
    const step = fc.constantFrom('1', '0.1', '0.10', '0.5', '0.01', '0.0001', '0.025', '5', '0.00001', '0.001');
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e12 }), step, (units, s) => {
        const fmt = new StepFormatter(s);
        expect(fmt.format(units)).toBe(fromUnits(units, s));
        expect(fmt.parse(fmt.format(units))).toBe(units);
      }),
    );
  });

  it('should multiply steps exactly when building the turnover step', () => {
    expect(multiplySteps('0.10', '0.001')).toBe('0.00010');
    expect(multiplySteps('0.0001', '1')).toBe('0.0001');
    expect(multiplySteps('5', '2')).toBe('10');
  });

  it('should trim trailing zeros when formatting volumes', () => {
    expect(trimDecimal('12.3400')).toBe('12.34');
    expect(trimDecimal('5.000')).toBe('5');
    expect(trimDecimal('500')).toBe('500');
    expect(trimDecimal('0.000')).toBe('0');
    expect(stepOfDecimals(4)).toBe('0.0001');
    expect(stepOfDecimals(0)).toBe('1');
  });
});
