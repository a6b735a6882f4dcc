import { BoundedQueue } from './bounded-queue';

describe(BoundedQueue.name, () => {
  it('should drop the oldest item and count it when full, never blocking the producer', () => {
    const sut = new BoundedQueue<number>(3);
    for (let i = 1; i <= 5; i++) sut.push(i);
    expect(sut.length).toBe(3);
    expect(sut.dropped).toBe(2);
    expect(sut.take(10)).toEqual([3, 4, 5]);
    expect(sut.length).toBe(0);
  });

  it('should hand out batches in order and take failed batches back in front within capacity', () => {
    const sut = new BoundedQueue<number>(4);
    [1, 2, 3].forEach((i) => sut.push(i));
    const batch = sut.take(2);
    expect(batch).toEqual([1, 2]);
    sut.push(4);
    sut.push(5);
    sut.requeueFront(batch);
    expect(sut.dropped).toBe(1);
    expect(sut.take(10)).toEqual([2, 3, 4, 5]);
  });

  it('should stay correct over many pushes and takes', () => {
    const sut = new BoundedQueue<number>(100);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 50; i++) sut.push(next++);
      for (const value of sut.take(50)) expect(value).toBe(expected++);
    }
    expect(sut.dropped).toBe(0);
  });
});
