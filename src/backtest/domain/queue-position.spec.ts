import { QueuePosition } from './queue-position';

describe('QueuePosition (queue estimate of a resting order)', () => {
  it('joins behind the visible size; trades at the price consume the queue ahead first', () => {
    const q = new QueuePosition(2000);
    expect(q.onTrade(1500)).toBe(0);
    expect(q.ahead).toBe(500);
    expect(q.onTrade(700)).toBe(200);
    expect(q.ahead).toBe(0);
    expect(q.onTrade(50)).toBe(50);
  });

  it('takes cancels pro rata from ahead and behind, after discounting the trades seen at the level', () => {
    const q = new QueuePosition(1000);
    q.onLevel(1500); // 500 joined behind us
    expect(q.ahead).toBe(1000);
    expect(q.onTrade(300)).toBe(0); // 700 ahead
    // 1500 → 900: 300 traded, 300 cancelled out of 1200 standing, 700 of them ahead: 700 − 300 × 700/1200 = 525
    q.onLevel(900);
    expect(q.ahead).toBeCloseTo(525, 9);
  });

  it('never has more ahead than the level shows, and a level that grows does not move it', () => {
    const q = new QueuePosition(1000);
    q.onLevel(400); // 600 cancelled of 1000, pro rata: 1000 − 600 = 400 ahead (all of the standing queue)
    expect(q.ahead).toBe(400);
    q.onLevel(5000);
    expect(q.ahead).toBe(400);
    q.onLevel(0);
    expect(q.ahead).toBe(0);
  });
});
