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

  it('should take the status of injected HTTP errors, a 5xx only', () => {
    expect(NO_FAULTS.httpErrorStatus).toBe(503);
    expect(mergeFaults(NO_FAULTS, { httpErrorStatus: 502 }).httpErrorStatus).toBe(502);
    expect(() => mergeFaults(NO_FAULTS, { httpErrorStatus: 404 })).toThrow('httpErrorStatus must be an HTTP status');
    expect(() => mergeFaults(NO_FAULTS, { httpErrorStatus: 502.5 })).toThrow(FaultPlanError);
  });

  it('should parse SIM_FAULTS', () => {
    expect(parseFaults(undefined)).toBe(NO_FAULTS);
    expect(parseFaults('{"wsDropRate":0.1}').wsDropRate).toBe(0.1);
    expect(() => parseFaults('{oops')).toThrow('SIM_FAULTS must be JSON');
  });
});
