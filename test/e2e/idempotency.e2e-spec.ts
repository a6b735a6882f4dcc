import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OPERATOR_SUBJECT } from '../../src/auth/domain/token-claims';
import { httpIdempotencyKey } from '../../src/idempotency/domain/idempotency-key';
import { loginToken, startTestApp, TEST_PASSWORD, TestApp } from '../support/app';

/** Real: the whole app on Fastify, PostgreSQL, the simulator. Faked: nothing. */

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, any>;
}

describe('Idempotency-Key on mutating routes', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT' });
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
    db = await new DataSource({ type: 'postgres', url: ctx.database.url }).initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await ctx?.close();
  });

  const call = async (
    method: string,
    path: string,
    options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...auth, ...options.headers };
    if (options.key !== undefined) headers['idempotency-key'] = options.key;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };
  /** Rows of the cache, all of them or those of one operation (`POST /bot/start`). */
  const cachedRows = async (operation?: string) =>
    (
      (await db.query(`SELECT count(*)::int AS n FROM idempotency_cache WHERE $1::text IS NULL OR operation = $1`, [
        operation ?? null,
      ])) as Array<{ n: number }>
    )[0].n;

  it('should replay the first answer for the same key without running the handler again', async () => {
    const key = randomUUID();

    const first = await call('POST', '/bot/start', { key });
    await call('POST', '/bot/stop'); // so a second run of start would show: changed again, running again, starts 2
    const second = await call('POST', '/bot/start', { key });

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ changed: true, status: { state: 'running' } });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect({ status: second.status, body: second.body }).toEqual({ status: first.status, body: first.body });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const now = await call('GET', '/bot/status');
    expect(now.body).toMatchObject({ state: 'stopped', counters: { starts: 1, stops: 1 } });
  });

  it('should refuse the same key with a different body with a 422 in the error shape', async () => {
    const key = randomUUID();
    await call('POST', '/exchange/breakers/trade/reset', { key, body: { note: 'first' } });

    const reused = await call('POST', '/exchange/breakers/trade/reset', { key, body: { note: 'second' } });

    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: expect.stringContaining('Idempotency-Key'),
      traceId: expect.any(String),
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(reused.body.traceId).toBe(reused.headers.get('x-trace-id'));
  });

  it('should refuse the same key with other path parameters as another request', async () => {
    const key = randomUUID();
    await call('POST', '/exchange/breakers/trade/reset', { key });

    expect((await call('POST', '/exchange/breakers/market/reset', { key })).status).toBe(422);
  });

  it('should answer 409 with Retry-After: 1 while the first request with the key is still running', async () => {
    const clientKey = randomUUID();
    await call('POST', '/exchange/breakers/trade/reset', { key: clientKey });
    // Turn the finished record back into a running one: what a concurrent retry would find mid-request.
    const key = httpIdempotencyKey({
      method: 'POST',
      routePath: '/exchange/breakers/:group/reset',
      principal: OPERATOR_SUBJECT,
      clientKey,
    });
    await db.query(
      `UPDATE idempotency_cache SET state = 'in-progress', status_code = NULL, result = NULL WHERE key = $1`,
      [key],
    );

    const retry = await call('POST', '/exchange/breakers/trade/reset', { key: clientKey });

    expect(retry.status).toBe(409);
    expect(retry.headers.get('retry-after')).toBe('1');
    expect(retry.body).toMatchObject({
      statusCode: 409,
      code: 'IDEMPOTENCY_KEY_IN_PROGRESS',
      message: expect.stringContaining('Idempotency-Key'),
    });
  });

  it('should replay a client error thrown by the route exactly as the exception filter sent it', async () => {
    const key = randomUUID();

    const first = await call('POST', '/exchange/breakers/nope/reset', { key });
    const second = await call('POST', '/exchange/breakers/nope/reset', { key });

    expect(first.status).toBe(400);
    expect(first.body.message).toMatch(/^group: group must be one of market/);
    expect({ status: second.status, body: second.body }).toEqual({ status: first.status, body: first.body });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('should refuse a malformed key with a 400 naming Idempotency-Key, before the handler runs', async () => {
    const before = (await call('GET', '/bot/status')).body.counters.starts as number;

    for (const key of ['k'.repeat(200), 'has space', '']) {
      const refused = await call('POST', '/bot/start', { key });
      expect({ key, status: refused.status, code: refused.body.code }).toEqual({
        key,
        status: 400,
        code: 'INVALID_IDEMPOTENCY_KEY',
      });
      expect(refused.body.message).toContain('Idempotency-Key');
    }
    expect((await call('GET', '/bot/status')).body.counters.starts).toBe(before);
  });

  it('should leave requests without the header, and reads with it, as they were', async () => {
    const rowsBefore = await cachedRows();

    await call('POST', '/bot/start');
    const first = await call('POST', '/bot/stop');
    const second = await call('POST', '/bot/stop');
    const read = await call('GET', '/bot/status', { key: 'k'.repeat(200) });

    expect([first.body.changed, second.body.changed]).toEqual([true, false]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(read.status).toBe(200);
    expect(await cachedRows()).toBe(rowsBefore);
  });

  it('should never store the tokens of login in the cache', async () => {
    const key = randomUUID();
    const login = () =>
      call('POST', '/auth/login', { key, body: { password: TEST_PASSWORD }, headers: { authorization: '' } });

    const answers = [await login(), await login()];

    expect(answers.map((a) => [a.status, a.headers.get('idempotent-replayed')])).toEqual([
      [200, null],
      [200, null],
    ]);
    expect(await cachedRows('POST /auth/login')).toBe(0);
    const tokens = (await db.query(
      `SELECT count(*)::int AS n FROM idempotency_cache WHERE result::text LIKE '%access_token%'`,
    )) as Array<{ n: number }>;
    expect(tokens[0].n).toBe(0);
  });
});
