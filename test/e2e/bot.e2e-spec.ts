import { loginToken, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait-for';

describe('bot lifecycle API', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    ctx = await startTestApp({
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
      SIM_API_SECRET: 'sim-secret-visible-nowhere',
      BYBIT_API_SECRET: 'sim-secret-visible-nowhere',
    });
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  const call = async (method: string, path: string) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, { method, headers: auth });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('should report the real state: stopped at boot, with mode and symbols from config', async () => {
    const { status, body } = await call('GET', '/bot/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'stopped', running: false, mode: 'sim', symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(Number.isNaN(Date.parse(body.since))).toBe(false);
    expect(body.counters).toMatchObject({ starts: 0, stops: 0 });
  });

  it('should start and stop idempotently', async () => {
    const first = await call('POST', '/bot/start');
    expect(first).toMatchObject({ status: 200, body: { changed: true, status: { state: 'running', running: true } } });
    const again = await call('POST', '/bot/start');
    expect(again).toMatchObject({ status: 200, body: { changed: false, status: { state: 'running' } } });
    expect((await call('GET', '/')).body).toMatchObject({ botState: 'running' });
    const stop = await call('POST', '/bot/stop');
    expect(stop).toMatchObject({ status: 200, body: { changed: true, status: { state: 'stopped' } } });
    const stopAgain = await call('POST', '/bot/stop');
    expect(stopAgain).toMatchObject({ status: 200, body: { changed: false } });
    expect((await call('GET', '/bot/status')).body.counters).toMatchObject({ starts: 1, stops: 1 });
  });

  it('should audit bot start and stop with the request trace id', async () => {
    const traceId = 'bot-start-trace-1';
    await fetch(`${ctx.baseUrl}/bot/start`, { method: 'POST', headers: { ...auth, 'x-trace-id': traceId } });
    await fetch(`${ctx.baseUrl}/bot/stop`, { method: 'POST', headers: auth });
    const { DataSource } = await import('typeorm');
    const source = await new DataSource({ type: 'postgres', url: ctx.database.url }).initialize();
    try {
      const rows = await waitFor(
        (): Promise<Array<{ action: string; trace_id: string }>> =>
          source.query(`SELECT action, trace_id FROM audit_logs WHERE action = 'BOT_START' AND trace_id = $1`, [
            traceId,
          ]),
        { until: (r) => r.length > 0, timeoutMs: 2_500, intervalMs: 50, what: 'the BOT_START audit row' },
      );
      expect(rows).toHaveLength(1);
    } finally {
      await source.destroy();
    }
  });

  it('should return the effective configuration with secrets masked', async () => {
    const { status, body } = await call('GET', '/bot/config');
    expect(status).toBe(200);
    expect(body.config).toMatchObject({
      PORT: 8000,
      BYBIT_ENV: 'sim',
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
      SECRET_KEY: '********',
      APP_PASSWORD: '********',
      BYBIT_API_SECRET: '********',
      SIM_API_SECRET: '********',
      DATABASE_URL: '********',
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain('sim-secret-visible-nowhere');
    expect(text).not.toContain(ctx.config.auth.secretKey);
  });

  it('should report database and event loop in readiness', async () => {
    const response = await fetch(`${ctx.baseUrl}/health/ready`);
    const body = (await response.json()) as { status: string; info: Record<string, { status: string }> };
    expect({ status: response.status, details: (body as { details?: unknown }).details }).toMatchObject({
      status: 200,
    });
    expect(body.info.database.status).toBe('up');
    expect(body.info.eventLoop.status).toBe('up');
  });

  it('should connect to the built-in simulator and report the connections in status and readiness', async () => {
    const status = await waitFor(async () => (await call('GET', '/bot/status')).body, {
      until: (s) => s.connections['bybit.private'] === 'connected',
      timeoutMs: 5_000,
      intervalMs: 100,
      what: 'the private connection',
    });
    expect(status.connections).toEqual({ 'bybit.public': 'connected', 'bybit.private': 'connected' });
    expect(status.participants.exchange).toMatchObject({
      state: 'running',
      details: { env: 'sim', instruments: { count: 2 } },
    });
    const ready = (await (await fetch(`${ctx.baseUrl}/health/ready`)).json()) as {
      info: Record<string, { status: string }>;
    };
    expect(ready.info.exchange.status).toBe('up');
  });
});
