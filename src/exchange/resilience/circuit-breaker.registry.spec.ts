import { ExchangeError } from '../exchange.errors';
import { BreakerTransition, CircuitBreakerRegistry } from './circuit-breaker.registry';

const transient = () => new ExchangeError('EXCHANGE_UNAVAILABLE', 'Bybit HTTP 502', { fault: 'transient' });
const rejected = () =>
  new ExchangeError('INSUFFICIENT_BALANCE', 'Bybit 110007', { fault: 'business', retCode: 110007 });
const fail = (e: Error) => () => Promise.reject(e);
const ok = () => Promise.resolve('ok');

describe(CircuitBreakerRegistry.name, () => {
  let sut: CircuitBreakerRegistry;
  let transitions: BreakerTransition[];

  beforeEach(() => {
    transitions = [];
    sut = new CircuitBreakerRegistry(['trade', 'market'], {
      failureThreshold: 3,
      cooldownMs: 80,
      onTransition: (t) => transitions.push(t),
    });
  });
  afterEach(() => sut.shutdown());

  it('should open after N consecutive transient failures and then fail fast', async () => {
    for (let i = 0; i < 3; i += 1)
      await expect(sut.execute('trade', fail(transient()))).rejects.toMatchObject({ code: 'EXCHANGE_UNAVAILABLE' });
    expect(sut.state('trade')).toBe('OPEN');
    let called = false;
    await expect(sut.execute('trade', async () => void (called = true))).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
    });
    expect(called).toBe(false);
    expect(sut.state('market')).toBe('CLOSED');
    expect(transitions).toEqual([
      expect.objectContaining({ group: 'trade', state: 'OPEN', previous: 'CLOSED', consecutiveFailures: 3 }),
    ]);
  });

  it('should not count business rejections', async () => {
    for (let i = 0; i < 10; i += 1)
      await expect(sut.execute('trade', fail(rejected()))).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect(sut.state('trade')).toBe('CLOSED');
    // A rejection proves the exchange is up: it breaks a run of transient failures.
    await expect(sut.execute('trade', fail(transient()))).rejects.toBeDefined();
    await expect(sut.execute('trade', fail(transient()))).rejects.toBeDefined();
    await expect(sut.execute('trade', fail(rejected()))).rejects.toBeDefined();
    await expect(sut.execute('trade', fail(transient()))).rejects.toBeDefined();
    expect(sut.state('trade')).toBe('CLOSED');
  });

  it('should half-open after the cooldown, close on a good probe, re-open on a bad one', async () => {
    for (let i = 0; i < 3; i += 1) await sut.execute('trade', fail(transient())).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 120));
    expect(sut.state('trade')).toBe('HALF_OPEN');
    await expect(sut.execute('trade', fail(transient()))).rejects.toBeDefined();
    expect(sut.state('trade')).toBe('OPEN');
    await new Promise((r) => setTimeout(r, 120));
    expect(sut.state('trade')).toBe('HALF_OPEN');
    await expect(sut.execute('trade', ok)).resolves.toBe('ok');
    expect(sut.state('trade')).toBe('CLOSED');
    expect(transitions.map((t) => t.state)).toEqual(['OPEN', 'HALF_OPEN', 'OPEN', 'HALF_OPEN', 'CLOSED']);
  });

  it('should close on a manual reset and say who did it', async () => {
    for (let i = 0; i < 3; i += 1) await sut.execute('trade', fail(transient())).catch(() => undefined);
    const status = sut.reset('trade', 'admin');
    expect(status).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
    expect(transitions.at(-1)).toMatchObject({ state: 'CLOSED', reason: 'manual reset', actor: 'admin' });
    await expect(sut.execute('trade', ok)).resolves.toBe('ok');
  });
});
