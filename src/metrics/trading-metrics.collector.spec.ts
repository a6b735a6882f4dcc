import { Counter, Registry } from 'prom-client';
import { DeferredCounter, syncCounter } from './metrics.registry';
import { errorCodeOf } from './trading-metrics.collector';

describe('errorCodeOf', () => {
  it('should keep the Bybit retCode or HTTP status of a rejection, and nothing unbounded', () => {
    expect(errorCodeOf(undefined)).toBe('none');
    expect(errorCodeOf('Bybit 110007: ab not enough for new order')).toBe('110007');
    expect(errorCodeOf('Bybit HTTP 403')).toBe('403');
    expect(errorCodeOf('socket hang up on order 8c1f…')).toBe('other');
  });
});

describe('syncCounter', () => {
  it('should add only the increase of a cumulative count, never go down', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 't_total', help: 't', labelNames: ['k'], registers: [registry] });
    const seen = new Map<string, number>();
    syncCounter(counter, seen, { k: 'a' }, 3);
    syncCounter(counter, seen, { k: 'a' }, 5);
    syncCounter(counter, seen, { k: 'a' }, 2); // a source that restarted its count: no negative step
    syncCounter(counter, seen, { k: 'b' }, 1);
    const values = (await counter.get()).values.map((v) => [v.labels.k, v.value]);
    expect(values).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
  });
});

describe('DeferredCounter', () => {
  it('should hand the counts per label set to the counter at flush, and only what is new', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'd_total', help: 'd', labelNames: ['symbol', 'side'], registers: [registry] });
    const sut = new DeferredCounter(counter, ['symbol', 'side']);
    sut.inc('BTCUSDT', 'Buy');
    sut.inc('BTCUSDT', 'Buy');
    sut.inc('ETHUSDT', 'Sell');

    expect((await counter.get()).values).toEqual([]);
    sut.flush();
    sut.inc('BTCUSDT', 'Buy');
    sut.flush();
    sut.flush();

    const values = (await counter.get()).values.map((v) => [v.labels.symbol, v.labels.side, v.value]);
    expect(values).toEqual([
      ['BTCUSDT', 'Buy', 3],
      ['ETHUSDT', 'Sell', 1],
    ]);
  });
});
