import { VirtualClock } from './virtual-clock';

describe('VirtualClock', () => {
  it('runs timers in time order, ties in scheduling order, moving the clock to each', () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.at(1010, () => seen.push(`b@${clock.time}`));
    clock.at(1005, () => seen.push(`a@${clock.time}`));
    clock.at(1010, () => seen.push(`c@${clock.time}`));
    clock.at(1020, () => seen.push(`d@${clock.time}`));
    while (clock.runNext(1015));
    expect(seen).toEqual(['a@1005', 'b@1010', 'c@1010']);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue()).toBe(1020);
    expect(clock.hasDueBy(1019.5)).toBe(false);
    expect(clock.hasDueBy(1020)).toBe(true);
    expect(new VirtualClock(0).hasDueBy(Number.POSITIVE_INFINITY)).toBe(false);
    expect(clock.runNext(Number.POSITIVE_INFINITY)).toBe(true);
    expect(seen[3]).toBe('d@1020');
  });

  it('never goes back, keeps fractional time for the stopwatch and whole ms for the clock', () => {
    const clock = new VirtualClock(1000);
    clock.advanceTo(1000.75);
    clock.charge(0.5);
    expect(clock.stopwatch.nowMs()).toBe(1001.25);
    expect(clock.nowMs()).toBe(1001);
    clock.advanceTo(900);
    expect(clock.time).toBe(1001.25);
    // A timer set in the past runs at the current time.
    let at = 0;
    clock.at(10, () => (at = clock.time));
    clock.runNext(Number.POSITIVE_INFINITY);
    expect(at).toBe(1001.25);
  });

  it('is the Delay port: wait(ms) resolves when the clock reaches now + ms', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    const waiting = clock.wait(250).then(() => (done = true));
    expect(clock.runNext(249)).toBe(false);
    await Promise.resolve();
    expect(done).toBe(false);
    expect(clock.runNext(250)).toBe(true);
    await waiting;
    expect(done).toBe(true);
    expect(clock.nowMs()).toBe(250);
  });

  it('keeps a heap order over many timers', () => {
    const clock = new VirtualClock(0);
    const times = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    const seen: number[] = [];
    for (const t of times) clock.at(t, () => seen.push(t));
    while (clock.runNext(Number.POSITIVE_INFINITY));
    expect(seen).toEqual([...times].sort((a, b) => a - b));
  });
});
