import { MessageBudget } from './message-budget';

describe(MessageBudget.name, () => {
  it('should allow a burst, then the sustained rate, and refuse beyond it', () => {
    const budget = new MessageBudget(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(budget.take(0)).toBe(true);
    expect(budget.take(0)).toBe(false);
    expect(budget.take(99)).toBe(false); // 0.99 of a token
    expect(budget.take(100)).toBe(true);
    expect(budget.take(100)).toBe(false);
  });

  it('should refill to the burst at most, however long the connection was quiet', () => {
    const budget = new MessageBudget(10, 3, 0);
    let allowed = 0;
    while (budget.take(60_000)) allowed += 1;
    expect(allowed).toBe(3);
  });
});
