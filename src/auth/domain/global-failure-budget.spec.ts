import { GlobalFailureBudget } from './global-failure-budget';

describe(GlobalFailureBudget.name, () => {
  const limits = { maxFailures: 3, windowMs: 10_000, maxBackoffMs: 25_000 };

  it('should not block within the budget', () => {
    const sut = new GlobalFailureBudget(limits);
    for (let i = 0; i < 3; i++) sut.recordFailure(1000 + i);
    expect(sut.blockedForMs(1003)).toBe(0);
  });

  it('should block for one window when the budget is blown, then double, capped, and never forever', () => {
    const sut = new GlobalFailureBudget(limits);
    for (let i = 0; i < 4; i++) sut.recordFailure(1000 + i);
    expect(sut.blockedForMs(1003)).toBe(10_000);
    // Blown again right after the block: twice as long.
    sut.recordFailure(11_003);
    for (let i = 0; i < 3; i++) sut.recordFailure(11_004 + i);
    expect(sut.blockedForMs(11_006)).toBe(20_000);
    sut.recordFailure(31_006);
    for (let i = 0; i < 3; i++) sut.recordFailure(31_007 + i);
    expect(sut.blockedForMs(31_009)).toBe(25_000); // capped
    expect(sut.blockedForMs(31_009 + 25_000)).toBe(0); // and it ends
  });

  it('should forget the strikes after a window within budget', () => {
    const sut = new GlobalFailureBudget(limits);
    for (let i = 0; i < 4; i++) sut.recordFailure(i);
    sut.recordFailure(20_000); // a quiet window
    sut.recordFailure(40_000);
    for (let i = 0; i < 3; i++) sut.recordFailure(40_001 + i);
    expect(sut.blockedForMs(40_003)).toBe(10_000);
  });
});
