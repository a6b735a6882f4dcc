import { loginToken, startTestApp, TestApp } from '../support/app';
import { sleep, waitFor } from '../support/wait-for';

describe('market data API against the built-in simulator (3 symbols)', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT' });
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  const get = async (path: string) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, { headers: auth });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('should list the pairs with their instrument filters', async () => {
    const { status, body } = await get('/data/pairs');
    expect(status).toBe(200);
    expect(body.pairs).toEqual([
      expect.objectContaining({ symbol: 'BTCUSDT', tickSize: '0.10', qtyStep: '0.001', status: 'Trading' }),
      expect.objectContaining({ symbol: 'ETHUSDT', tickSize: '0.01', qtyStep: '0.01' }),
      expect.objectContaining({ symbol: 'SOLUSDT', tickSize: '0.010', qtyStep: '0.1' }),
    ]);
  });

  it('should stream live books for every symbol: synced, fresh, uncrossed, advancing', async () => {
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const first = await get(`/data/orderbook/${symbol}?depth=5`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ symbol, synced: true, crossed: false, stale: false });
      expect(first.body.bids).toHaveLength(5);
      expect(first.body.asks).toHaveLength(5);
      expect(Number(first.body.bids[0][0])).toBeLessThan(Number(first.body.asks[0][0]));
      expect(Number(first.body.bids[0][0])).toBeGreaterThan(Number(first.body.bids[4][0]));
      await sleep(150);
      const later = await get(`/data/orderbook/${symbol}?depth=5`);
      expect(later.body.u).toBeGreaterThan(first.body.u);
    }
  });

  it('should serve metrics per symbol and for all symbols', async () => {
    const { status, body } = await get('/data/metrics/ethusdt');
    expect(status).toBe(200);
    expect(body.symbol).toBe('ETHUSDT');
    for (const key of ['imbalance5', 'imbalance10', 'imbalanceTotal']) {
      expect(body[key]).toBeGreaterThanOrEqual(0);
      expect(body[key]).toBeLessThanOrEqual(1);
    }
    expect(Number(body.mid)).toBeGreaterThan(0);
    expect(Number(body.microPrice)).toBeGreaterThan(0);
    expect(Number(body.spread)).toBeGreaterThan(0);
    const all = await get('/data/metrics');
    expect(all.body.metrics.map((m: { symbol: string }) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  });

  it('should answer 404 naming an unknown symbol and 400 naming a bad depth', async () => {
    const unknown = await get('/data/orderbook/DOGEUSDT');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('DOGEUSDT');
    for (const depth of ['0', 'abc', '5000']) {
      const bad = await get(`/data/orderbook/BTCUSDT?depth=${depth}`);
      expect({ depth, status: bad.status }).toEqual({ depth, status: 400 });
      expect(bad.body.message).toMatch(/^depth: /);
    }
    expect((await get('/data/metrics/BTC-USD')).status).toBe(400);
  });

  it('should resync a book after the exchange skips an update and report fresh books in readiness', async () => {
    const simPort = ctx.config.simulator.port;
    const gap = await fetch(`http://127.0.0.1:${simPort}/sim/gap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'BTCUSDT', depth: 50 }),
    });
    expect(gap.status).toBe(200);
    await sleep(50); // the gap reaches the book first
    const book = await waitFor(async () => (await get('/data/orderbook/BTCUSDT?depth=1')).body, {
      until: (b) => b.synced && !b.stale,
      timeoutMs: 2_000,
      intervalMs: 50,
      what: 'the book resynced',
    });
    expect(book).toMatchObject({ synced: true, stale: false, crossed: false });
    const ready = (await (await fetch(`${ctx.baseUrl}/health/ready`)).json()) as {
      details: Record<string, Record<string, string>>;
    };
    expect(ready.details.orderbooks).toMatchObject({
      status: 'up',
      BTCUSDT: 'fresh',
      ETHUSDT: 'fresh',
      SOLUSDT: 'fresh',
    });
  });
});

describe('candles from the built-in simulator', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT' });
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  it('should back-fill 200 closed 1-minute candles at start so indicators are warm', async () => {
    const body = await waitFor(
      async () =>
        (await (await fetch(`${ctx.baseUrl}/data/candles/BTCUSDT?limit=1000`, { headers: auth })).json()) as Record<
          string,
          any
        >,
      { until: (b) => b.candles.length >= 199, timeoutMs: 2_000, intervalMs: 50, what: '199 back-filled candles' },
    );
    expect(body.candles.length).toBeGreaterThanOrEqual(199);
    const times = body.candles.map((c: { openTime: string }) => Date.parse(c.openTime));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(60_000);
    const last = body.candles[body.candles.length - 1];
    expect(Date.parse(last.openTime) + 60_000).toBeLessThanOrEqual(Date.now());
    for (const c of body.candles) expect(Number(c.low)).toBeLessThanOrEqual(Math.min(Number(c.open), Number(c.close)));
  });

  it('should refuse an unknown symbol with 404 and a bad limit with 400', async () => {
    expect((await fetch(`${ctx.baseUrl}/data/candles/ETHUSDT`, { headers: auth })).status).toBe(404);
    const bad = await fetch(`${ctx.baseUrl}/data/candles/BTCUSDT?limit=0`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^limit: /);
  });
});

describe('order-book snapshots persisted in batches', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT,ETHUSDT', SNAPSHOT_INTERVAL_MS: '100' });
  });
  afterAll(() => ctx.close());

  it('should write sampled snapshots of every symbol into market_data_snapshots off the hot path', async () => {
    const { DataSource } = await import('typeorm');
    const source = await new DataSource({ type: 'postgres', url: ctx.database.url }).initialize();
    try {
      const rows = await waitFor(
        (): Promise<Array<{ symbol: string; n: number }>> =>
          source.query(`SELECT symbol, count(*)::int AS n FROM market_data_snapshots GROUP BY symbol ORDER BY symbol`),
        {
          until: (r) => r.length === 2 && r.every((row) => row.n >= 5),
          timeoutMs: 4_000,
          intervalMs: 100,
          what: 'snapshots of both symbols',
        },
      );
      expect(rows.map((r) => r.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(rows.every((r) => r.n >= 5)).toBe(true);
      const [sample] = await source.query(
        `SELECT best_bid, best_ask, imbalance, jsonb_array_length(bids) AS levels, metrics->>'u' AS u FROM market_data_snapshots WHERE symbol = 'BTCUSDT' ORDER BY ts DESC LIMIT 1`,
      );
      expect(Number(sample.best_bid)).toBeLessThan(Number(sample.best_ask));
      expect(Number(sample.imbalance)).toBeGreaterThanOrEqual(0);
      expect(sample.levels).toBe(10);
      expect(Number(sample.u)).toBeGreaterThan(0);
      const ready = (await (await fetch(`${ctx.baseUrl}/health/ready`)).json()) as {
        details: Record<string, Record<string, number>>;
      };
      expect(ready.details.marketData.snapshotsWritten).toBeGreaterThan(0);
      expect(ready.details.marketData.snapshotsDropped).toBe(0);
    } finally {
      await source.destroy();
    }
  });
});
