import { FaultPlanError, mergeFaults, NO_FAULTS, parseFaults } from './fault-plan';

describe(mergeFaults.name, () => {
  it('should merge valid updates and keep the rest', () => {
    const next = mergeFaults(NO_FAULTS, { httpErrorRate: 0.5, feedPaused: true });
    expect(next).toEqual({ ...NO_FAULTS, httpErrorRate: 0.5, feedPaused: true });
    expect(Object.isFrozen(next)).toBe(true);
  });

  it('should refuse unknown keys and out-of-range values', () => {
    expect(() => mergeFaults(NO_FAULTS, { httpErrorRate: 2 })).toThrow(FaultPlanError);
    expect(() => mergeFaults(NO_FAULTS, { explode: true })).toThrow('unknown fault explode');
    expect(() => mergeFaults(NO_FAULTS, { feedPaused: 'yes' })).toThrow(FaultPlanError);
    expect(() => mergeFaults(NO_FAULTS, [])).toThrow(FaultPlanError);
  });

  it('should parse SIM_FAULTS', () => {
    expect(parseFaults(undefined)).toBe(NO_FAULTS);
    expect(parseFaults('{"wsDropRate":0.1}').wsDropRate).toBe(0.1);
    expect(() => parseFaults('{oops')).toThrow('SIM_FAULTS must be JSON');
  });
});
