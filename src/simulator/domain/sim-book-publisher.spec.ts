import { SimBook } from './sim-book';
import { StepFormatter } from './sim-book-format';
import { OrderbookPublisher } from './sim-book-publisher';
import type { OrderbookDepth } from './market-model.messages';

function setup(depth: OrderbookDepth = 50) {
  const book = new SimBook();
  const sut = new OrderbookPublisher(
    depth,
    'BTCUSDT',
    book,
    new StepFormatter('0.10'),
    new StepFormatter('0.001'),
    500,
  );
  return { book, sut };
}

describe(OrderbookPublisher.name, () => {
  it('should send a snapshot first and then only the changed levels when the book changes', () => {
    const { book, sut } = setup();
    book.setLevel('bid', 1000, 5);
    book.setLevel('ask', 1001, 7);
    const first = sut.publish(10, 9, 100);
    expect(first).toEqual({
      topic: 'orderbook.50.BTCUSDT',
      type: 'snapshot',
      ts: 10,
      data: { s: 'BTCUSDT', b: [['100.00', '0.005']], a: [['100.10', '0.007']], u: 500, seq: 100 },
      cts: 9,
    });
    expect(sut.publish(30, 9, 100)).toBeUndefined(); // nothing changed: nothing sent
    book.setLevel('bid', 1000, 6);
    book.setLevel('ask', 1002, 1);
    const delta = sut.publish(50, 40, 104);
    expect(delta?.type).toBe('delta');
    expect(delta?.data).toEqual({ s: 'BTCUSDT', b: [['100.00', '0.006']], a: [['100.20', '0.001']], u: 501, seq: 104 });
  });

  it('should send a level entering the window and a level leaving it as "0" when the top-N changes', () => {
    const { book, sut } = setup(1);
    book.setLevel('bid', 1000, 5);
    book.setLevel('bid', 999, 3);
    book.setLevel('ask', 1001, 1);
    sut.publish(0, 0, 1);
    const { book: book2, sut: sut2 } = setup(50);
    for (let p = 0; p < 51; p++) book2.setLevel('bid', 1000 - p, 1 + p);
    book2.setLevel('ask', 1001, 1);
    sut2.publish(0, 0, 1);
    book2.setLevel('bid', 1000, 0); // the 51st level (950) slides into the window unchanged
    book2.setLevel('bid', 1001 - 60, 9); // outside the window: not sent
    expect(sut2.publish(20, 20, 2)?.data.b).toEqual([
      ['100.00', '0'],
      ['95.00', '0.051'],
    ]);
    book2.setLevel('bid', 1001, 2); // a better bid pushes 95.00 out of the window
    expect(sut2.publish(40, 40, 3)?.data.b).toEqual([
      ['100.10', '0.002'],
      ['95.00', '0'],
    ]);
    expect(book.bestBid()).toBe(1000);
  });

  it('should publish level 1 as snapshots only and repeat the same u after 3 s when nothing changes', () => {
    const { book, sut } = setup(1);
    book.setLevel('bid', 1000, 5);
    book.setLevel('bid', 999, 5);
    book.setLevel('ask', 1001, 1);
    expect(sut.publish(0, 0, 1)?.data).toMatchObject({ b: [['100.00', '0.005']], u: 500 });
    book.setLevel('bid', 999, 6); // below the top: level 1 does not change
    expect(sut.publish(10, 10, 2)).toBeUndefined();
    book.setLevel('bid', 1000, 4);
    const changed = sut.publish(20, 20, 3);
    expect(changed?.type).toBe('snapshot');
    expect(changed?.data.u).toBe(501);
    expect(sut.publish(2990, 20, 3)).toBeUndefined();
    const repeated = sut.publish(3020, 20, 3);
    expect(repeated).toMatchObject({ type: 'snapshot', ts: 3020, data: { u: 501, b: [['100.00', '0.004']] } });
  });

  it('should skip one u when a gap is forced and restart at u=1 with a snapshot when a reset is forced', () => {
    const { book, sut } = setup();
    book.setLevel('bid', 1000, 5);
    sut.publish(0, 0, 1);
    sut.forceGap();
    book.setLevel('bid', 1000, 6);
    expect(sut.publish(20, 20, 2)?.data.u).toBe(502);
    sut.forceReset();
    const reset = sut.publish(40, 40, 2);
    expect(reset).toMatchObject({ type: 'snapshot', data: { u: 1, b: [['100.00', '0.006']] } });
    expect(reset?.data.seq).toBe(3); // seq keeps increasing even when the engine's did not
    book.setLevel('bid', 1000, 7);
    expect(sut.publish(60, 60, 4)?.data.u).toBe(2);
  });

  it('should give a late subscriber the last sent window with the current u when the stream runs', () => {
    const { book, sut } = setup();
    book.setLevel('bid', 1000, 5);
    sut.publish(0, 0, 1);
    book.setLevel('bid', 1000, 9); // not yet published: the snapshot must not contain it
    const snapshot = sut.snapshot(5, 5, 2);
    expect(snapshot).toMatchObject({ type: 'snapshot', ts: 0, data: { u: 500, seq: 1, b: [['100.00', '0.005']] } });
    expect(sut.publish(20, 20, 2)?.data).toMatchObject({ u: 501, b: [['100.00', '0.009']] });
  });
});
