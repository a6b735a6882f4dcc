import { Client } from 'pg';
import { RISK_REJECTION_CODES } from '../../src/risk/domain/risk.types';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait-for';

/*
 * Real: the whole app on Fastify (guards, validation, filter, tracing, audit), PostgreSQL, the simulator on loopback.
 * Faked: nothing; risk limits come from env overrides so the values asserted are not the defaults.
 */
const RISK_ENV = {
  TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
  MAX_OPEN_POSITIONS: '3',
  MAX_EXPOSURE_USDT: '2500',
  MIN_ORDER_SIZE_USDT: '7',
  ORDER_SIZE_USDT: '150',
  TAKE_PROFIT_PCT: '0.4',
  STOP_LOSS_PCT: '0.25',
  MAX_HOLD_SECONDS: '120',
  MAX_DAILY_LOSS_USDT: '321',
};

interface AuditRow {
  readonly actor: string;
  readonly old_value: unknown;
  readonly new_value: unknown;
  readonly reason: string;
  readonly trace_id: string;
}

describe('risk API', () => {
  let ctx: TestApp;
  let sql: Client;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ctx = await startTestApp(RISK_ENV);
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
    sql = new Client({ connectionString: ctx.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await ctx?.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      method,
      headers: { ...auth, ...json, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  /** Audit rows are written after the response, by an event handler: poll briefly. */
  const killSwitchAuditRows = (count: number): Promise<AuditRow[]> =>
    waitFor(
      async () =>
        (
          await sql.query(
            `SELECT actor, old_value, new_value, reason, trace_id FROM audit_logs WHERE action = 'KILL_SWITCH_CHANGE' ORDER BY id`,
          )
        ).rows as AuditRow[],
      { until: (rows) => rows.length >= count, intervalMs: 50, what: `${count} KILL_SWITCH_CHANGE rows` },
    );

  it('should report limits from config, usage, kill switch, breakers, limiters, books and rejection counts', async () => {
    const { status, body } = await call('GET', '/trading/risk-status');

    expect(status).toBe(200);
    expect(body.limits).toEqual({
      maxOpenPositions: 3,
      maxExposureUsdt: '2500',
      minOrderSizeUsdt: '7',
      orderSizeUsdt: '150',
      takeProfitPct: 0.4,
      stopLossPct: 0.25,
      maxHoldSeconds: 120,
      maxDailyLossUsdt: '321',
    });
    expect(body.usage).toMatchObject({
      openPositions: 0,
      maxOpenPositions: 3,
      openExposureUsdt: '0',
      pendingExposureUsdt: '0',
      exposureUsdt: '0',
      maxExposureUsdt: '2500',
      dailyRealizedPnlUsdt: '0',
      maxDailyLossUsdt: '321',
      // The simulator's accounts trade at 10× (its default leverage), known before any position exists.
      leverage: 10,
      leverageBySymbol: { BTCUSDT: 10, ETHUSDT: 10 },
    });
    expect(body.killSwitch).toMatchObject({
      active: false,
      reason: null,
      since: null,
      changedBy: null,
      dailyRealizedPnlUsdt: '0',
      maxDailyLossUsdt: '321',
    });
    expect(body.killSwitch.tradingDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.circuitBreakers.map((b: { group: string }) => b.group)).toEqual(
      expect.arrayContaining(['trade', 'market', 'position', 'account']),
    );
    expect(body.circuitBreakers.find((b: { group: string }) => b.group === 'trade')).toMatchObject({
      state: 'CLOSED',
      consecutiveFailures: 0,
      lastError: null,
    });
    expect(body.rateLimits.find((l: { group: string }) => l.group === 'trade')).toEqual(
      expect.objectContaining({
        capacity: expect.any(Number),
        tokensLeft: expect.any(Number),
        queued: expect.any(Number),
      }),
    );
    expect(body.books.map((b: { symbol: string }) => b.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const book of body.books) expect(typeof book.stale).toBe('boolean');
    // Signals may have reached the risk check already, so counts may have begun.
    expect(Object.keys(body.rejections).sort()).toEqual([...RISK_REJECTION_CODES].sort());
    for (const count of Object.values(body.rejections))
      expect(Number.isInteger(count) && (count as number) >= 0).toBe(true);
    expect(body.entriesAllowed).toBe(true);
  });

  it('should activate and reset the kill switch, each change audited with the caller and the request trace id', async () => {
    const activated = await call(
      'POST',
      '/trading/kill-switch/activate',
      { reason: 'exchange incident' },
      { 'x-trace-id': 'kill-switch-activate-1' },
    );

    expect(activated).toMatchObject({
      status: 200,
      body: { active: true, reason: 'exchange incident', changedBy: 'operator', maxDailyLossUsdt: '321' },
    });
    expect(Number.isNaN(Date.parse(activated.body.since))).toBe(false);
    expect((await call('GET', '/trading/risk-status')).body).toMatchObject({
      killSwitch: { active: true, reason: 'exchange incident' },
      entriesAllowed: false,
    });

    const reset = await call('POST', '/trading/kill-switch/reset', undefined, { 'x-trace-id': 'kill-switch-reset-1' });

    expect(reset).toMatchObject({
      status: 200,
      body: { active: false, reason: 'reset by operator', changedBy: 'operator' },
    });
    expect((await call('GET', '/trading/risk-status')).body).toMatchObject({
      killSwitch: { active: false },
      entriesAllowed: true,
    });
    expect(await killSwitchAuditRows(2)).toEqual([
      {
        actor: 'operator',
        old_value: { active: false },
        new_value: { active: true },
        reason: 'exchange incident',
        trace_id: 'kill-switch-activate-1',
      },
      {
        actor: 'operator',
        old_value: { active: true },
        new_value: { active: false },
        reason: 'reset by operator',
        trace_id: 'kill-switch-reset-1',
      },
    ]);
  });

  it('should keep an activated kill switch across a restart', async () => {
    await call('POST', '/trading/kill-switch/activate', { reason: 'before restart' });

    ctx = await ctx.restart();
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };

    expect((await call('GET', '/trading/risk-status')).body).toMatchObject({
      killSwitch: { active: true, reason: 'before restart' },
      entriesAllowed: false,
    });
    expect((await call('POST', '/trading/kill-switch/reset')).status).toBe(200);
  });

  it.each([
    [{}, 'reason'],
    [{ reason: '' }, 'reason'],
    [{ reason: 42 }, 'reason'],
    [{ reason: 'x'.repeat(501) }, 'reason'],
    [{ reason: 'ok', extra: true }, 'extra'],
  ])('should answer 400 naming the field for the body %j', async (body, field) => {
    const { status, body: error } = await call('POST', '/trading/kill-switch/activate', body);

    expect(status).toBe(400);
    expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED' });
    expect(error.message).toContain(field);
  });

  it.each([
    ['GET', '/trading/risk-status'],
    ['POST', '/trading/kill-switch/activate'],
    ['POST', '/trading/kill-switch/reset'],
  ])('should refuse %s %s without a token', async (method, path) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? '{"reason":"x"}' : undefined,
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });
});
