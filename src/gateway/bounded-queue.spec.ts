import { BoundedQueue } from './bounded-queue';

describe(BoundedQueue.name, () => {
  it('should hand items back in order and evict the oldest when full', () => {
    const sut = new BoundedQueue<number>(3);
    const evicted = [1, 2, 3, 4, 5].map((n) => sut.push(n));

    expect(evicted).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(sut.size).toBe(3);
    expect([sut.shift(), sut.shift(), sut.shift(), sut.shift()]).toEqual([3, 4, 5, undefined]);
    expect(sut.size).toBe(0);
  });

  it('should never hold more than its capacity over a long run of pushes and shifts', () => {
    const sut = new BoundedQueue<number>(4);
    const out: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      sut.push(i);
      if (i % 3 === 0) out.push(sut.shift()!);
      expect(sut.size).toBeLessThanOrEqual(4);
    }
    // Strictly increasing: nothing re-ordered or delivered twice.
    expect(out.every((n, i) => i === 0 || n > out[i - 1])).toBe(true);
    expect((sut as unknown as { items: number[] }).items.length).toBeLessThanOrEqual(8); // the consumed prefix is compacted
  });

  it('should remove matching items and keep the order of the rest when asked', () => {
    const sut = new BoundedQueue<string>(5);
    for (const item of ['a1', 'b1', 'a2', 'b2']) sut.push(item);
    sut.shift();

    expect(sut.removeWhere((item) => item.startsWith('a'))).toBe(1);
    expect(sut.peek()).toBe('b1');
    expect([sut.shift(), sut.shift(), sut.shift()]).toEqual(['b1', 'b2', undefined]);
  });

  it('should refuse a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });
});
