import { LIVELY_STRATEGY, loginToken, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait-for';

/**
 * The live pipeline against the built-in simulator: book → 110 features → imbalance strategy → signals, with the
 * thresholds loosened (LIVELY_STRATEGY) so the simulated market crosses them within seconds.
 */
describe('features and signals from the live pipeline', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    ctx = await startTestApp(LIVELY_STRATEGY);
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  const get = async (path: string) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, { headers: auth });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('should serve all 110 named, finite features for a symbol, indicators warm from the back-filled candles', async () => {
    const body = await waitFor(async () => (await get('/data/features/BTCUSDT')).body, {
      until: (b) => !!b.ready?.[0],
      timeoutMs: 4_000,
      intervalMs: 100,
      what: 'ready features',
    });
    expect(body.count).toBe(110);
    expect(body.names).toHaveLength(110);
    expect(body.names.slice(0, 4)).toEqual(['bid_ask_spread_abs', 'bid_ask_spread_rel', 'mid_price', 'micro_price']);
    expect(body.values.every((v: unknown) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    expect(body.features.mid_price).toBeGreaterThan(0);
    expect(body.features.sma_50).toBeGreaterThan(0);
    const smaIndex = body.names.indexOf('sma_50');
    expect(body.ready[smaIndex]).toBe(true);
    expect((await get('/data/features/DOGEUSDT')).status).toBe(404);
  });

  it('should turn imbalance into signals that carry side, strength, reason, price and their metrics', async () => {
    const signals = await waitFor(
      async () => (await get('/trading/signals?limit=50')).body.signals as Array<Record<string, any>>,
      { until: (s) => s.length >= 2, timeoutMs: 10_000, intervalMs: 100, what: 'two signals' },
    );
    expect(signals.length).toBeGreaterThanOrEqual(2);
    for (const signal of signals) {
      expect(['BTCUSDT', 'ETHUSDT']).toContain(signal.symbol);
      expect(signal.strength).toBeGreaterThanOrEqual(0);
      expect(signal.strength).toBeLessThanOrEqual(1);
      expect(signal.id.length).toBeLessThanOrEqual(36);
      expect(signal.reason.length).toBeGreaterThan(0);
      expect(Number(signal.price)).toBeGreaterThan(0);
      const imbalance = signal.context.metrics.imbalance5 as number;
      if (signal.side === 'Buy') expect(imbalance).toBeGreaterThanOrEqual(0.55);
      else expect(imbalance).toBeLessThanOrEqual(0.45);
    }
    const times = signals.map((s) => Date.parse(s.at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
    const status = (await get('/bot/status')).body;
    expect(status.counters['signals.signals']).toBeGreaterThanOrEqual(2);
  });

  it('should leave the features out of signals unless ?include=features asks for them', async () => {
    const plain = (await get('/trading/signals?limit=5')).body.signals as Array<{ context: Record<string, unknown> }>;
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((s) => s.context.features === undefined && s.context.metrics !== undefined)).toBe(true);
    const full = (await get('/trading/signals?limit=5&include=features')).body.signals as Array<{
      context: { features?: Record<string, number> };
    }>;
    expect(full.some((s) => Object.keys(s.context.features ?? {}).length > 0)).toBe(true);
    expect((await get('/trading/signals?include=everything')).status).toBe(400);
  });

  it('should filter signals by symbol and validate the query', async () => {
    const eth = (await get('/trading/signals?symbol=ethusdt&limit=5')).body.signals as Array<{ symbol: string }>;
    expect(eth.length).toBeLessThanOrEqual(5);
    expect(eth.every((s) => s.symbol === 'ETHUSDT')).toBe(true);
    const bad = await get('/trading/signals?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^limit: /);
  });
});
