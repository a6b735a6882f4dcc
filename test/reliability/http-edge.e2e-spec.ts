import { connect, Socket } from 'node:net';
import { loadAppConfig } from '../../src/infra/config/app-config';
import { MAX_JSON_DEPTH } from '../../src/infra/http/json-body';
import { loginToken, startTestApp, TestApp, TEST_PASSWORD } from '../support/app';
import { nestedArrays, nestedObjects, rawRequest, withEventLoopDelay } from './http-client';

/*
 * Regression tests for the HTTP edge defects of issue 13 (items 1, 7, 11, 12 and the minor ones), against the
 * whole app. Requests that may count against the per-address login throttle come from their own loopback
 * source address, so the scenarios do not share counters.
 */
const EVENT_LOOP_BUDGET_MS = 100; // measured ~450 ms per 520 KB nested body before the fix

describe('HTTP edge hardening', () => {
  let ctx: TestApp;
  let token: string;
  const port = () => Number(new URL(ctx.baseUrl).port);

  beforeAll(async () => {
    ctx = await startTestApp({
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_MAX_CONNECTIONS: '24',
    });
    token = await loginToken(ctx.baseUrl);
  });
  afterAll(() => ctx?.close());

  describe('deeply nested JSON (item 1)', () => {
    it.each([
      ['arrays, 10,000 levels', nestedArrays(10_000)],
      ['objects, 10,000 levels', nestedObjects(10_000)],
      ['a password nested one level too deep', `{"password":${nestedArrays(MAX_JSON_DEPTH)}}`],
    ])('should answer 400 on the public login for %s', async (_, body) => {
      const response = await rawRequest(ctx.baseUrl, '/auth/login', {
        body,
        headers: { 'content-type': 'application/json' },
        localAddress: '127.0.0.10',
      });
      expect(response.status).toBe(400);
      expect(response.json.message).toMatch(/nested deeper than 32 levels/);
    });

    it('should answer 400 on a protected route with an Idempotency-Key (hashed before validation)', async () => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body: `{"reason":${nestedObjects(50_000)}}`,
        headers: { 'content-type': 'application/json', 'idempotency-key': 'nested-bomb-1' },
        token,
      });
      expect(response.status).toBe(400);
    });

    it('should keep the event loop free while refusing 520 KB nested bodies', async () => {
      // Compared with flat bodies of the same size (refused by validation), so machine load cancels out.
      const sendFive = (body: string, subnet: number) =>
        withEventLoopDelay(async () => {
          const answers = [];
          for (let i = 0; i < 5; i++) {
            answers.push(
              await rawRequest(ctx.baseUrl, '/auth/login', {
                body,
                headers: { 'content-type': 'application/json' },
                localAddress: `127.0.${subnet}.${i + 1}`,
              }),
            );
          }
          return answers;
        });
      const size = 520 * 1024;
      const flat = await sendFive(JSON.stringify({ password: 'x'.repeat(size) }), 1);
      const nested = await sendFive(nestedObjects(Math.floor(size / 6)), 2);
      process.stdout.write(
        `event loop max while refusing 5 bodies of 520 KB: flat ${flat.maxMs.toFixed(1)} ms, nested ${nested.maxMs.toFixed(1)} ms\n`,
      );
      expect(nested.result.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(flat.result.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(nested.maxMs).toBeLessThan(Math.max(EVENT_LOOP_BUDGET_MS, 2 * flat.maxMs));
    });

    it('should count refused login bodies against the address throttle, then refuse it before parsing', async () => {
      const from = '127.0.0.11';
      for (let i = 0; i < ctx.config.auth.loginMaxFailures; i++) {
        const refused = await rawRequest(ctx.baseUrl, '/auth/login', {
          body: nestedArrays(20_000),
          headers: { 'content-type': 'application/json' },
          localAddress: from,
        });
        expect(refused.status).toBe(400);
      }
      const correct = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: { password: TEST_PASSWORD },
        localAddress: from,
      });
      expect(correct.status).toBe(429);
      expect(correct.json.code).toBe('LOGIN_THROTTLED');
      expect(Number(correct.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Other addresses are not affected.
      const elsewhere = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: { password: TEST_PASSWORD },
        localAddress: '127.0.0.12',
      });
      expect(elsewhere.status).toBe(200);
    });
  });

  describe('media types (minor)', () => {
    it.each([
      ['text/plain', '{"reason":"x"}'],
      ['application/x-www-form-urlencoded', 'reason=x'],
      ['application/xml', '<reason>x</reason>'],
    ])('should answer 415 to a %s body where JSON is required', async (type, body) => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body,
        headers: { 'content-type': type },
        token,
      });
      expect(response.status).toBe(415);
      expect(response.json.statusCode).toBe(415);
    });

    it('should still take application/json with a charset', async () => {
      const response = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: JSON.stringify({ password: TEST_PASSWORD }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        localAddress: '127.0.0.13',
      });
      expect(response.status).toBe(200);
    });
  });

  describe('text PostgreSQL cannot store (item 7)', () => {
    const killSwitchActive = async () =>
      (await rawRequest(ctx.baseUrl, '/trading/risk-status', { token })).json.killSwitch.active as boolean;

    it('should answer 400 naming reason for a NUL in the kill-switch reason, and not turn the switch on', async () => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body: { reason: 'incident\u0000' },
        token,
      });
      expect(response.status).toBe(400);
      expect(response.json.details.fields).toEqual({ reason: [expect.stringMatching(/NUL/)] });
      expect(response.json.message).toMatch(/^reason: /);
      expect(await killSwitchActive()).toBe(false);
    });

    it('should answer 400 for a lone surrogate sent as a JSON escape', async () => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body: '{"reason":"broken \\ud800 text"}',
        headers: { 'content-type': 'application/json' },
        token,
      });
      expect(response.status).toBe(400);
      expect(Object.keys(response.json.details.fields)).toEqual(['reason']);
      expect(await killSwitchActive()).toBe(false);
    });

    it('should answer 400 for a body that is not valid UTF-8', async () => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body: Buffer.concat([Buffer.from('{"reason":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
        headers: { 'content-type': 'application/json' },
        token,
      });
      expect(response.status).toBe(400);
      expect(response.json.message).toMatch(/UTF-8/);
    });

    it('should answer 400 naming a query parameter holding a NUL', async () => {
      const response = await rawRequest(ctx.baseUrl, '/audit?entityId=abc%00def', { token });
      expect(response.status).toBe(400);
      expect(Object.keys(response.json.details.fields)).toEqual(['entityId']);
    });

    it('should still store ordinary non-ASCII text (emoji: a valid surrogate pair)', async () => {
      const response = await rawRequest(ctx.baseUrl, '/trading/kill-switch/activate', {
        body: { reason: 'exchange incident 🚨 — ü' },
        token,
      });
      expect(response.status).toBe(200);
      expect(await killSwitchActive()).toBe(true);
      expect((await rawRequest(ctx.baseUrl, '/trading/kill-switch/reset', { method: 'POST', token })).status).toBe(200);
    });
  });

  describe('repeated query parameters (minor)', () => {
    it('should answer one message saying the parameter was repeated', async () => {
      const response = await rawRequest(ctx.baseUrl, '/audit?limit=1&limit=2', { token });
      expect(response.status).toBe(400);
      expect(response.json.details.fields).toEqual({ limit: ['must be given at most once'] });
      expect(response.json.message).toBe('limit: must be given at most once');
    });
  });

  describe('timeouts and the connection cap (item 11)', () => {
    const openSocket = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(port(), '127.0.0.1', () => resolve(socket));
        socket.on('error', reject);
      });
    const closedWithin = (socket: Socket, ms: number) =>
      new Promise<{ closed: boolean; data: string }>((resolve) => {
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        const timer = setTimeout(() => resolve({ closed: false, data }), ms);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve({ closed: true, data });
        });
      });

    it('should cut a request whose body never finishes (408)', async () => {
      const socket = await openSocket();
      socket.write(
        'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pass',
      );
      const started = Date.now();
      const { closed, data } = await closedWithin(socket, 6000);
      socket.destroy();
      expect(closed).toBe(true);
      expect(data).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it('should cut a client that never finishes its headers', async () => {
      const socket = await openSocket();
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const { closed } = await closedWithin(socket, 6000);
      socket.destroy();
      expect(closed).toBe(true);
    });

    it('should refuse connections over HTTP_MAX_CONNECTIONS and serve again once they are gone', async () => {
      const sockets = await Promise.all(Array.from({ length: 40 }, () => openSocket().catch(() => null)));
      const live = sockets.filter((s): s is Socket => s !== null);
      // Generous: on a loaded machine the server may accept (and so refuse) late.
      const outcomes = await Promise.all(live.map((s) => closedWithin(s, 3000)));
      const refused = outcomes.filter((o) => o.closed).length + (sockets.length - live.length);
      for (const s of live) s.destroy();
      expect(refused).toBeGreaterThanOrEqual(40 - 24);
      await new Promise((r) => setTimeout(r, 100));
      expect((await rawRequest(ctx.baseUrl, '/health')).status).toBe(200);
    });
  });

  describe('passwords over 72 bytes (item 12)', () => {
    it('should refuse a login password over 72 bytes with 400 naming the field', async () => {
      const response = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: { password: TEST_PASSWORD + 'x'.repeat(72) },
        localAddress: '127.0.0.14',
      });
      expect(response.status).toBe(400);
      expect(Object.keys(response.json.details.fields)).toEqual(['password']);
    });

    it('should not log in with a 72-byte password plus a suffix', async () => {
      const password72 = 'p'.repeat(72);
      const changed = await rawRequest(ctx.baseUrl, '/auth/change-password', {
        body: { currentPassword: TEST_PASSWORD, newPassword: password72 },
        token,
        localAddress: '127.0.0.15',
      });
      expect(changed.status).toBe(200);
      const withSuffix = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: { password: `${password72}suffix` },
        localAddress: '127.0.0.15',
      });
      expect(withSuffix.status).not.toBe(200);
      const exact = await rawRequest(ctx.baseUrl, '/auth/login', {
        body: { password: password72 },
        localAddress: '127.0.0.15',
      });
      expect(exact.status).toBe(200);
    });

    it('should refuse an APP_PASSWORD shorter than PASSWORD_MIN_LENGTH or longer than 72 bytes', () => {
      const base = { SECRET_KEY: 'k'.repeat(64), PASSWORD_MIN_LENGTH: '12' };
      expect(() => loadAppConfig({ ...base, APP_PASSWORD: 'elevenchars' }, { dotenvPath: false })).toThrow(
        /APP_PASSWORD must be at least PASSWORD_MIN_LENGTH \(12\)/,
      );
      expect(() => loadAppConfig({ ...base, APP_PASSWORD: 'é'.repeat(40) }, { dotenvPath: false })).toThrow(
        /APP_PASSWORD must be at most 72 bytes/,
      );
      expect(loadAppConfig({ ...base, APP_PASSWORD: 'twelve-chars' }, { dotenvPath: false }).auth.initialPassword).toBe(
        'twelve-chars',
      );
    });
  });
});
