import { MASK } from '../../src/infra/config/app-config';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait-for';

/*
 * Real: the whole application (Fastify, JWT guard, validation pipe, error filter, tracing, EventBus, AuditModule)
 * on a fresh migrated PostgreSQL database, with its own simulator. Audit rows come from real requests.
 */
interface AuditRow {
  id: string;
  timestamp: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: string;
  oldValue: unknown;
  newValue: unknown;
  context: unknown;
  reason: string | null;
  traceId: string | null;
  success: boolean;
  errorMessage: string | null;
}
interface AuditPage {
  items: AuditRow[];
  limit: number;
  offset: number;
  total: number;
}
interface ErrorBody {
  statusCode: number;
  message: string;
  details?: { fields?: Record<string, string[]> };
}

describe('GET /audit', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ctx = await startTestApp();
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  async function getAudit(
    query: Record<string, string>,
    headers = auth,
  ): Promise<{ status: number; body: AuditPage & ErrorBody }> {
    const response = await fetch(`${ctx.baseUrl}/audit?${new URLSearchParams(query)}`, { headers });
    return { status: response.status, body: (await response.json()) as AuditPage & ErrorBody };
  }

  /** Audit rows are written after the response (off the request path): poll until `count` rows match. */
  async function rowsOnceWritten(query: Record<string, string>, count: number): Promise<AuditPage> {
    return waitFor(
      async () => {
        const { status, body } = await getAudit(query);
        expect(status).toBe(200);
        return body;
      },
      // The page's items and its total are two statements: a row committed between them is counted, not listed.
      {
        until: (body) => body.total >= count && body.items.length >= count,
        intervalMs: 50,
        what: `${count} audit rows`,
      },
    );
  }

  const post = (path: string, traceId: string) =>
    fetch(`${ctx.baseUrl}${path}`, { method: 'POST', headers: { ...auth, 'x-trace-id': traceId } });

  it('should record the masked configuration as CONFIG_CHANGE on the first start', async () => {
    const page = await rowsOnceWritten({ action: 'CONFIG_CHANGE' }, 1);

    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      entityType: 'config',
      actor: 'system',
      oldValue: null,
      reason: 'first start',
      success: true,
    });
    expect(page.items[0].newValue).toMatchObject({
      APP_PASSWORD: MASK,
      SECRET_KEY: MASK,
      DATABASE_URL: MASK,
      BYBIT_ENV: 'sim',
    });
    expect(JSON.stringify(page)).not.toContain(ctx.config.auth.secretKey);
    expect(JSON.stringify(page)).not.toContain(ctx.config.auth.initialPassword);
  });

  it('should find bot start and stop by action, by trace id, by entity and by time range', async () => {
    const before = new Date();
    expect((await post('/bot/start', 'audit-e2e-start')).status).toBe(200);
    expect((await post('/bot/stop', 'audit-e2e-stop')).status).toBe(200);
    await rowsOnceWritten({ traceId: 'audit-e2e-stop' }, 1);
    const after = new Date(Date.now() + 1);

    const byTrace = await getAudit({ traceId: 'audit-e2e-start' });
    const byAction = await getAudit({ action: 'BOT_STOP' });
    const byEntity = await getAudit({ entityType: 'bot' });
    const inWindow = await getAudit({ from: before.toISOString(), to: after.toISOString(), entityType: 'bot' });
    const beforeWindow = await getAudit({ to: before.toISOString(), entityType: 'bot' });

    expect(byTrace.body.items.map((r) => [r.action, r.traceId])).toEqual([['BOT_START', 'audit-e2e-start']]);
    expect(byTrace.body.items[0]).toMatchObject({
      entityType: 'bot',
      oldValue: { state: 'stopped' },
      newValue: { state: 'running', mode: 'sim' },
      success: true,
    });
    expect(byAction.body.items.map((r) => [r.action, r.traceId])).toEqual([['BOT_STOP', 'audit-e2e-stop']]);
    // Newest first.
    expect(byEntity.body.items.map((r) => r.action)).toEqual(['BOT_STOP', 'BOT_START']);
    expect(inWindow.body.items.map((r) => r.traceId)).toEqual(['audit-e2e-stop', 'audit-e2e-start']);
    expect(beforeWindow.body).toMatchObject({ items: [], total: 0 });
  });

  it("should count anonymous failed logins per address (no audit rows) and audit the operator's wrong password", async () => {
    const failedLogin = (traceId: string) =>
      fetch(`${ctx.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-trace-id': traceId },
        body: JSON.stringify({ password: 'not-the-password' }),
      });
    expect((await failedLogin('audit-e2e-login-1')).status).toBe(401);
    expect((await failedLogin('audit-e2e-login-2')).status).toBe(401);
    const wrongCurrent = await fetch(`${ctx.baseUrl}/auth/change-password`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-trace-id': 'audit-e2e-login' },
      body: JSON.stringify({ currentPassword: 'not-the-password', newPassword: 'another-long-passphrase' }),
    });
    expect(wrongCurrent.status).toBe(403);

    await rowsOnceWritten({ traceId: 'audit-e2e-login' }, 1);
    const failures = await getAudit({
      action: 'LOGIN_FAILED',
      success: 'false',
      entityType: 'auth',
      entityId: 'credentials',
    });
    const successes = await getAudit({ action: 'LOGIN_FAILED', success: 'true' });

    // Only the authenticated principal's failure is an audit row; the anonymous ones are counts that expire.
    expect(failures.body.items).toEqual([
      expect.objectContaining({
        action: 'LOGIN_FAILED',
        actor: 'operator',
        success: false,
        traceId: 'audit-e2e-login',
        errorMessage: 'wrong current password',
      }),
    ]);
    expect(JSON.stringify(failures.body)).not.toContain('not-the-password');
    expect(successes.body).toMatchObject({ items: [], total: 0 });
    expect((await getAudit({ traceId: 'audit-e2e-login-1' })).body.total).toBe(0);
    const counts = (await (await fetch(`${ctx.baseUrl}/audit/security-events`, { headers: auth })).json()) as {
      items: Array<{ kind: string; clientAddress: string; count: number }>;
    };
    expect(counts.items).toEqual([
      expect.objectContaining({ kind: 'login_failed', clientAddress: '127.0.0.1', count: 2 }),
    ]);
    await loginToken(ctx.baseUrl); // resets this address's failure count for the scenarios below
  });

  it('should page newest first with limit and offset, and count every matching row in total', async () => {
    for (let i = 0; i < 3; i += 1) {
      await post('/bot/start', `audit-e2e-page-start-${i}`);
      await post('/bot/stop', `audit-e2e-page-stop-${i}`);
    }
    const all = await rowsOnceWritten({ entityType: 'bot', limit: '1000' }, 8);

    const first = await getAudit({ entityType: 'bot', limit: '3' });
    const second = await getAudit({ entityType: 'bot', limit: '3', offset: '3' });
    const last = await getAudit({ entityType: 'bot', limit: '3', offset: '6' });
    const beyond = await getAudit({ entityType: 'bot', offset: '100' });
    const defaults = await getAudit({ entityType: 'bot' });

    expect(all.total).toBe(8);
    // Newest first, in the order the requests happened (rows are stamped when the event happened, not when written).
    expect(all.items.map((r) => [r.action, r.traceId])).toEqual([
      ...[2, 1, 0].flatMap((i) => [
        ['BOT_STOP', `audit-e2e-page-stop-${i}`],
        ['BOT_START', `audit-e2e-page-start-${i}`],
      ]),
      ['BOT_STOP', 'audit-e2e-stop'],
      ['BOT_START', 'audit-e2e-start'],
    ]);
    expect(first.body).toMatchObject({ limit: 3, offset: 0, total: 8 });
    expect(second.body).toMatchObject({ limit: 3, offset: 3, total: 8 });
    expect(last.body).toMatchObject({ limit: 3, offset: 6, total: 8 });
    expect([...first.body.items, ...second.body.items, ...last.body.items].map((r) => r.id)).toEqual(
      all.items.map((r) => r.id),
    );
    expect(beyond.body).toMatchObject({ items: [], offset: 100, total: 8 });
    expect(defaults.body).toMatchObject({ limit: 100, offset: 0, total: 8 });
  });

  it.each([
    ['an unknown action', { action: 'ORDER_TELEPORT' }, 'action'],
    ['a date that is not ISO-8601', { from: '31/01/2025' }, 'from'],
    ['an impossible date', { to: '2025-02-30T00:00:00Z' }, 'to'],
    ['a limit of 0', { limit: '0' }, 'limit'],
    ['a limit above 1000', { limit: '1001' }, 'limit'],
    ['a negative offset', { offset: '-1' }, 'offset'],
    ['a success that is not a boolean', { success: 'yes' }, 'success'],
    ['a NUL byte in an entity id', { entityId: 'a\u0000b' }, 'entityId'],
    ['a trace id longer than the column', { traceId: 't'.repeat(65) }, 'traceId'],
    ['a filter by its 0.1.0 snake_case name (renamed, refused)', { entity_type: 'order' }, 'entity_type'],
    ['from later than to', { from: '2025-02-01T00:00:00Z', to: '2025-01-31T00:00:00Z' }, 'to'],
  ])('should answer 400 naming the field for %s', async (_label, query, field) => {
    const { status, body } = await getAudit(query);

    expect(status).toBe(400);
    expect(Object.keys(body.details?.fields ?? {})).toEqual([field]);
    expect(body.message).toMatch(new RegExp(`^${field}: `));
  });

  it('should refuse a request without a token with 401', async () => {
    const { status, body } = await getAudit({ action: 'BOT_START' }, {});

    expect(status).toBe(401);
    expect(body).toMatchObject({ statusCode: 401 });
  });

  it('should not record the configuration again when restarted with the same configuration', async () => {
    ctx = await ctx.restart();
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };

    const { status, body } = await getAudit({ action: 'CONFIG_CHANGE' });

    expect(status).toBe(200);
    expect(body.total).toBe(1);
  });
});
