import { JwtService } from '@nestjs/jwt';
import { generateKeyPairSync } from 'node:crypto';
import { loginToken, startTestApp, TestApp, TEST_PASSWORD } from '../support/app';

/*
 * Real: the whole app on Fastify (global guard, validation pipe, exception filter), PostgreSQL with migrations,
 * bcrypt at cost 12. Nothing faked. Every request comes from 127.0.0.1, so the throttling scenario runs on an app
 * of its own to keep its counters away from the other scenarios.
 */
type Json = Record<string, any>;

const NEW_PASSWORD = 'a-new-and-longer-passphrase';

async function call(ctx: TestApp, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${ctx.baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Json };
}

const login = (ctx: TestApp, password: string) => call(ctx, 'POST', '/auth/login', { body: { password } });
const verify = (ctx: TestApp, token?: string) => call(ctx, 'GET', '/auth/verify', { token });
const changePassword = (ctx: TestApp, token: string, body: Json) =>
  call(ctx, 'POST', '/auth/change-password', { token, body });

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function expectErrorShape(body: Json, statusCode: number, code?: string): void {
  expect(body).toMatchObject({
    statusCode,
    error: expect.any(String),
    message: expect.any(String),
    traceId: expect.any(String),
  });
  if (code) expect(body.code).toBe(code);
}

describe('auth API', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp();
  });
  afterAll(() => ctx?.close());

  describe('POST /auth/login', () => {
    it('should issue a bearer token for the right password', async () => {
      const { status, body, headers } = await login(ctx, TEST_PASSWORD);

      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'bearer',
        expiresIn: ctx.config.auth.jwtExpiresInSeconds,
      });
      expect(body.accessToken.split('.')).toHaveLength(3);
    });

    it('should answer 401 in the error shape for a wrong password, without echoing it', async () => {
      const response = await login(ctx, 'not-the-password');

      expect(response.status).toBe(401);
      expectErrorShape(response.body, 401, 'INVALID_CREDENTIALS');
      expect(response.headers.get('x-trace-id')).toBe(response.body.traceId);
      expect(JSON.stringify(response.body)).not.toContain('not-the-password');
      await loginToken(ctx.baseUrl); // a success resets this address's failure count for the scenarios below
    });

    it.each([
      ['missing', {}],
      ['empty', { password: '' }],
      ['not a string', { password: 12345 }],
    ])('should answer 400 naming the field when password is %s', async (_, body) => {
      const response = await call(ctx, 'POST', '/auth/login', { body });

      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400);
      expect(response.body.message).toContain('password');
    });
  });

  describe('GET /auth/verify and the global guard', () => {
    it('should describe a valid token', async () => {
      const token = await loginToken(ctx.baseUrl);

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(200);
      expect(body).toEqual({
        valid: true,
        subject: 'operator',
        issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        expiresIn: expect.any(Number),
      });
      const lifetime = (Date.parse(body.expiresAt) - Date.parse(body.issuedAt)) / 1000;
      expect(lifetime).toBe(ctx.config.auth.jwtExpiresInSeconds);
      expect(body.expiresIn).toBeGreaterThan(ctx.config.auth.jwtExpiresInSeconds - 10);
      expect(body.expiresIn).toBeLessThanOrEqual(ctx.config.auth.jwtExpiresInSeconds);
    });

    it('should answer 401 MISSING_TOKEN without an Authorization header, or with another scheme', async () => {
      const none = await verify(ctx);
      const basic = await fetch(`${ctx.baseUrl}/auth/verify`, {
        headers: { authorization: 'Basic b3BlcmF0b3I6cGFzcw==' },
      });

      expect(none.status).toBe(401);
      expectErrorShape(none.body, 401, 'MISSING_TOKEN');
      expect(basic.status).toBe(401);
    });

    it('should refuse a token whose signature was altered', async () => {
      const [header, payload, signature] = (await loginToken(ctx.baseUrl)).split('.');
      const tampered = `${header}.${payload}.${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;

      const { status, body } = await verify(ctx, tampered);

      expect(status).toBe(401);
      expectErrorShape(body, 401, 'INVALID_TOKEN');
      expect(body.message).toBe('Invalid token'); // nothing about which check failed
    });

    it('should refuse an unsigned alg:none token', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'operator', pwv: 1, iat: nowSeconds(), exp: nowSeconds() + 600 })}.`;

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(401);
      expect(body.code).toBe('INVALID_TOKEN');
    });

    it('should refuse a token signed with a different secret', async () => {
      const token = new JwtService({ secret: 'z'.repeat(64) }).sign({ sub: 'operator', pwv: 1 }, { expiresIn: 600 });

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(401);
      expect(body.code).toBe('INVALID_TOKEN');
    });

    it('should refuse an RS256 token', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
      const token = new JwtService({ privateKey: pem }).sign(
        { sub: 'operator', pwv: 1 },
        { algorithm: 'RS256', expiresIn: 600 },
      );

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(401);
      expect(body.code).toBe('INVALID_TOKEN');
    });

    it('should refuse an expired token signed with the right secret', async () => {
      const token = new JwtService({ secret: ctx.config.auth.secretKey }).sign({
        sub: 'operator',
        pwv: 1,
        iat: nowSeconds() - 3600,
        exp: nowSeconds() - 60,
      });

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(401);
      expectErrorShape(body, 401, 'TOKEN_EXPIRED');
    });

    it('should refuse a well-signed token without the password version claim', async () => {
      const token = new JwtService({ secret: ctx.config.auth.secretKey }).sign({ sub: 'operator' }, { expiresIn: 600 });

      const { status, body } = await verify(ctx, token);

      expect(status).toBe(401);
      expect(body.code).toBe('INVALID_TOKEN');
    });
  });

  describe('POST /auth/change-password', () => {
    it.each([
      ['currentPassword', { newPassword: NEW_PASSWORD }],
      ['newPassword', { currentPassword: TEST_PASSWORD }],
    ])('should answer 400 naming %s when it is missing', async (field, body) => {
      const response = await changePassword(ctx, await loginToken(ctx.baseUrl), body);

      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400);
      expect(response.body.message).toContain(field);
    });

    it('should require a token', async () => {
      const response = await call(ctx, 'POST', '/auth/change-password', {
        body: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      });

      expect(response.status).toBe(401);
    });

    it('should answer 400 naming newPassword when it is shorter than PASSWORD_MIN_LENGTH', async () => {
      const response = await changePassword(ctx, await loginToken(ctx.baseUrl), {
        currentPassword: TEST_PASSWORD,
        newPassword: 'short-1',
      });

      expect(response.status).toBe(400);
      expectErrorShape(response.body, 400, 'PASSWORD_TOO_SHORT');
      expect(response.body.message).toContain('newPassword');
      expect(response.body.message).toContain(String(ctx.config.auth.passwordMinLength));
    });

    it('should answer 400 when the new password equals the current one', async () => {
      const response = await changePassword(ctx, await loginToken(ctx.baseUrl), {
        currentPassword: TEST_PASSWORD,
        newPassword: TEST_PASSWORD,
      });

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('PASSWORD_UNCHANGED');
    });

    it('should answer 403 WRONG_PASSWORD when currentPassword is wrong', async () => {
      const token = await loginToken(ctx.baseUrl);

      const response = await changePassword(ctx, token, {
        currentPassword: 'not-the-password',
        newPassword: NEW_PASSWORD,
      });

      expect(response.status).toBe(403);
      expectErrorShape(response.body, 403, 'WRONG_PASSWORD');
      expect((await verify(ctx, token)).status).toBe(200); // nothing changed
    });

    it('should change the password, revoke older tokens, keep the caller logged in, and survive a restart', async () => {
      const oldToken = await loginToken(ctx.baseUrl);
      const otherOldToken = await loginToken(ctx.baseUrl);

      const changed = await changePassword(ctx, oldToken, {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });

      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'bearer',
        expiresIn: ctx.config.auth.jwtExpiresInSeconds,
      });
      const newToken: string = changed.body.accessToken;
      for (const revoked of [oldToken, otherOldToken]) {
        const refused = await verify(ctx, revoked);
        expect(refused.status).toBe(401);
        expectErrorShape(refused.body, 401, 'TOKEN_REVOKED');
      }
      expect((await call(ctx, 'GET', '/bot/status', { token: oldToken })).status).toBe(401);
      expect((await verify(ctx, newToken)).status).toBe(200);
      expect((await login(ctx, TEST_PASSWORD)).status).toBe(401);
      expect((await login(ctx, NEW_PASSWORD)).status).toBe(200);

      ctx = await ctx.restart(); // same database and SECRET_KEY; APP_PASSWORD is still the old one

      expect((await login(ctx, NEW_PASSWORD)).status).toBe(200);
      expect((await login(ctx, TEST_PASSWORD)).status).toBe(401);
      expect((await verify(ctx, newToken)).status).toBe(200);
      expect((await verify(ctx, oldToken)).body.code).toBe('TOKEN_REVOKED');
      await login(ctx, NEW_PASSWORD); // reset the failure count
    });
  });
});

describe('auth API login throttling', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp({ LOGIN_MAX_FAILURES: '5', LOGIN_WINDOW_SECONDS: '60' });
  });
  afterAll(() => ctx?.close());

  it('should answer 429 with Retry-After after 5 failures, even for the right password', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await login(ctx, `wrong-password-${attempt}`)).status).toBe(401);
    }

    const throttled = await login(ctx, 'wrong-password-6');
    const rightButThrottled = await login(ctx, TEST_PASSWORD);

    for (const response of [throttled, rightButThrottled]) {
      expect(response.status).toBe(429);
      expectErrorShape(response.body, 429, 'LOGIN_THROTTLED');
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(response.body).not.toHaveProperty('accessToken');
    }
  });
});
