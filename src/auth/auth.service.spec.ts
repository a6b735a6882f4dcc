import { JwtModule, JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock, FixedClock } from '../common/clock';
import { AppConfig, loadAppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { DomainEvents } from '../infra/events/domain-events';
import { EventBus } from '../infra/events/event-bus';
import { AuthCredentialsRepository, StoredCredentials } from './auth-credentials.repository';
import { AuthError } from './auth.error';
import { AuthPrincipal, AuthService } from './auth.service';
import { OPERATOR_SUBJECT } from './domain/token-claims';
import { VERIFIED_TOKEN_CACHE_SIZE } from './domain/verified-token-cache';
import { jwtModuleOptions } from './jwt.options';
import { GlobalLoginBudget } from './global-login-budget';
import { LoginThrottle } from './login-throttle';
import { REDIS } from '../infra/redis/redis.module';
import { BcryptPasswordHasher, PasswordHasher } from './password-hasher';
import { PasswordVersionCache, PASSWORD_VERSION_TTL_MS } from './password-version.cache';

/** The table's behaviour (single row, compare-and-set version) in memory. */
class InMemoryCredentialsRepository extends AuthCredentialsRepository {
  row: StoredCredentials | null = null;

  async find(): Promise<StoredCredentials | null> {
    return this.row;
  }
  async currentVersion(): Promise<number | null> {
    return this.row?.passwordVersion ?? null;
  }
  async insertInitial(passwordHash: string): Promise<boolean> {
    if (this.row) return false;
    this.row = { passwordHash, passwordVersion: 1, changedAt: new Date() };
    return true;
  }
  async replacePassword(expectedVersion: number, passwordHash: string): Promise<number | null> {
    if (!this.row || this.row.passwordVersion !== expectedVersion) return null;
    this.row = { passwordHash, passwordVersion: expectedVersion + 1, changedAt: new Date() };
    return this.row.passwordVersion;
  }
}

const PASSWORD = 'initial-password-1';
const NEW_PASSWORD = 'a-brand-new-password';
const SECRET = 'k'.repeat(64);
const CLIENT = '203.0.113.7';
// A cheap cost keeps the spec fast; the production cost is checked in password-hasher.spec.ts.
const hasher = new BcryptPasswordHasher(4);

function testConfig(): AppConfig {
  return loadAppConfig(
    {
      APP_PASSWORD: PASSWORD,
      SECRET_KEY: SECRET,
      JWT_EXPIRES_IN: '1h',
      LOGIN_MAX_FAILURES: '3',
      LOGIN_WINDOW_SECONDS: '60',
      PASSWORD_MIN_LENGTH: '12',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-spec-')),
    },
    { dotenvPath: false },
  );
}

afterAll(() => hasher.onModuleDestroy());

describe(AuthService.name, () => {
  let sut: AuthService;
  let repository: InMemoryCredentialsRepository;
  let clock: FixedClock;
  let events: EventBus;
  let jwt: JwtService;
  let published: Array<{ name: keyof DomainEvents; payload: unknown }>;

  beforeEach(async () => {
    const config = testConfig();
    repository = new InMemoryCredentialsRepository();
    await repository.insertInitial(await hasher.hash(PASSWORD));
    clock = new FixedClock(Date.now());
    const moduleRef = await Test.createTestingModule({
      imports: [JwtModule.register(jwtModuleOptions(config))],
      providers: [
        AuthService,
        PasswordVersionCache,
        LoginThrottle,
        GlobalLoginBudget,
        EventBus,
        { provide: APP_CONFIG, useValue: config },
        // No REDIS_URL: throttling counts in memory (the shared-Redis path has its own integration spec).
        { provide: REDIS, useValue: null },
        { provide: Clock, useValue: clock },
        { provide: AuthCredentialsRepository, useValue: repository },
        { provide: PasswordHasher, useValue: hasher },
      ],
    }).compile();
    sut = moduleRef.get(AuthService);
    events = moduleRef.get(EventBus);
    jwt = moduleRef.get(JwtService);
    published = [];
    events.on('auth.login-failed', (payload) => void published.push({ name: 'auth.login-failed', payload }));
    events.on('auth.password-changed', (payload) => void published.push({ name: 'auth.password-changed', payload }));
    events.on(
      'auth.password-check-failed',
      (payload) => void published.push({ name: 'auth.password-check-failed', payload }),
    );
  });

  const errorOf = async (promise: Promise<unknown>): Promise<AuthError> => {
    try {
      await promise;
    } catch (error: unknown) {
      if (error instanceof AuthError) return error;
      throw error;
    }
    throw new Error('expected an AuthError, got success');
  };

  const principalFor = (token: string) => sut.verifyToken(token);

  describe('login', () => {
    it('should issue a bearer token carrying the password version when the password is right', async () => {
      const token = await sut.login(PASSWORD, CLIENT);

      expect(token).toMatchObject({ tokenType: 'bearer', expiresInSeconds: 3600 });
      const claims = jwt.decode<Record<string, unknown>>(token.accessToken);
      expect(claims).toMatchObject({ sub: OPERATOR_SUBJECT, pwv: 1 });
      expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
      expect(JSON.parse(Buffer.from(token.accessToken.split('.')[0], 'base64url').toString())).toMatchObject({
        alg: 'HS256',
      });
    });

    it('should refuse a wrong password with INVALID_CREDENTIALS and publish auth.login-failed', async () => {
      const error = await errorOf(sut.login('wrong-password', CLIENT));
      await events.drain();

      expect(error).toMatchObject({ code: 'INVALID_CREDENTIALS', kind: 'UNAUTHENTICATED' });
      expect(published).toEqual([
        { name: 'auth.login-failed', payload: { traceId: undefined, clientAddress: CLIENT, throttled: false } },
      ]);
    });

    it('should throttle an address after the configured failures, even for the right password', async () => {
      for (let i = 0; i < 3; i++) await errorOf(sut.login('wrong-password', CLIENT));

      const error = await errorOf(sut.login(PASSWORD, CLIENT));
      await events.drain();

      expect(error).toMatchObject({ code: 'LOGIN_THROTTLED', kind: 'RATE_LIMITED' });
      expect(error.details?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(error.details?.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(published.at(-1)).toEqual({
        name: 'auth.login-failed',
        payload: { traceId: undefined, clientAddress: CLIENT, throttled: true },
      });
    });

    it('should count failures per address', async () => {
      for (let i = 0; i < 3; i++) await errorOf(sut.login('wrong-password', CLIENT));

      await expect(sut.login(PASSWORD, '198.51.100.1')).resolves.toMatchObject({ tokenType: 'bearer' });
    });

    it('should treat an IPv4-mapped IPv6 address as the IPv4 one', async () => {
      for (let i = 0; i < 3; i++) await errorOf(sut.login('wrong-password', `::ffff:${CLIENT}`));

      expect(await errorOf(sut.login(PASSWORD, CLIENT))).toMatchObject({ code: 'LOGIN_THROTTLED' });
    });

    it('should reset the failure count after a successful login', async () => {
      for (let i = 0; i < 2; i++) await errorOf(sut.login('wrong-password', CLIENT));
      await sut.login(PASSWORD, CLIENT);

      for (let i = 0; i < 2; i++) await errorOf(sut.login('wrong-password', CLIENT));
      await expect(sut.login(PASSWORD, CLIENT)).resolves.toMatchObject({ tokenType: 'bearer' });
    });

    it('should run at most the allowed number of password checks for a concurrent burst', async () => {
      const verify = jest.spyOn(hasher, 'verify');

      const results = await Promise.allSettled(Array.from({ length: 10 }, () => sut.login('wrong-password', CLIENT)));

      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as AuthError).code : 'ok'));
      expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(3);
      expect(codes.filter((c) => c === 'LOGIN_THROTTLED')).toHaveLength(7);
      expect(verify).toHaveBeenCalledTimes(3);
      verify.mockRestore();
    });

    it('should answer CREDENTIALS_MISSING (503) when the credentials row is gone', async () => {
      repository.row = null;

      expect(await errorOf(sut.login(PASSWORD, CLIENT))).toMatchObject({
        code: 'CREDENTIALS_MISSING',
        kind: 'UNAVAILABLE',
      });
    });
  });

  describe('changePassword', () => {
    let principal: AuthPrincipal;
    beforeEach(async () => {
      principal = await principalFor((await sut.login(PASSWORD, CLIENT)).accessToken);
    });

    it('should persist the new hash, bump the version and return a token of the new version', async () => {
      const token = await sut.changePassword(
        principal,
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        CLIENT,
      );
      await events.drain();

      expect(repository.row?.passwordVersion).toBe(2);
      expect(await hasher.verify(NEW_PASSWORD, repository.row?.passwordHash ?? '')).toBe(true);
      expect(jwt.decode<Record<string, unknown>>(token.accessToken)).toMatchObject({ pwv: 2 });
      expect(published).toEqual([
        { name: 'auth.password-changed', payload: { traceId: undefined, actor: OPERATOR_SUBJECT, passwordVersion: 2 } },
      ]);
    });

    it('should refuse tokens issued before the change at once and accept the new one', async () => {
      const before = (await sut.login(PASSWORD, CLIENT)).accessToken;

      const after = await sut.changePassword(
        principal,
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        CLIENT,
      );

      expect(await errorOf(sut.verifyToken(before))).toMatchObject({ code: 'TOKEN_REVOKED', kind: 'UNAUTHENTICATED' });
      await expect(sut.verifyToken(after.accessToken)).resolves.toMatchObject({ pwv: 2 });
      expect(await errorOf(sut.login(PASSWORD, CLIENT))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      await expect(sut.login(NEW_PASSWORD, CLIENT)).resolves.toMatchObject({ tokenType: 'bearer' });
    });

    it('should refuse old tokens after another instance changed the password, once the cache TTL passed', async () => {
      const token = (await sut.login(PASSWORD, CLIENT)).accessToken;
      await sut.verifyToken(token); // caches version 1
      await repository.replacePassword(1, await hasher.hash(NEW_PASSWORD)); // "another instance"

      clock.advance(PASSWORD_VERSION_TTL_MS);

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_REVOKED' });
    });

    it('should refuse a wrong current password with WRONG_PASSWORD (403) and count it as a failure', async () => {
      const error = await errorOf(
        sut.changePassword(principal, { currentPassword: 'not-it', newPassword: NEW_PASSWORD }, CLIENT),
      );
      await events.drain();

      expect(error).toMatchObject({ code: 'WRONG_PASSWORD', kind: 'FORBIDDEN' });
      expect(repository.row?.passwordVersion).toBe(1);
      // An authenticated principal's failure: audited with its actor, not merely counted per address.
      expect(published).toEqual([
        {
          name: 'auth.password-check-failed',
          payload: { traceId: undefined, actor: principal.sub, clientAddress: CLIENT },
        },
      ]);
      for (let i = 0; i < 2; i++)
        await errorOf(sut.changePassword(principal, { currentPassword: 'not-it', newPassword: NEW_PASSWORD }, CLIENT));
      expect(
        await errorOf(sut.changePassword(principal, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, CLIENT)),
      ).toMatchObject({
        code: 'LOGIN_THROTTLED',
      });
    });

    it('should refuse a too short new password with INVALID naming newPassword', async () => {
      const error = await errorOf(
        sut.changePassword(principal, { currentPassword: PASSWORD, newPassword: 'short' }, CLIENT),
      );

      expect(error).toMatchObject({ code: 'PASSWORD_TOO_SHORT', kind: 'INVALID', details: { field: 'newPassword' } });
      expect(error.message).toContain('newPassword');
      expect(repository.row?.passwordVersion).toBe(1);
    });

    it('should refuse the current password as the new one', async () => {
      const error = await errorOf(
        sut.changePassword(principal, { currentPassword: PASSWORD, newPassword: PASSWORD }, CLIENT),
      );

      expect(error).toMatchObject({ code: 'PASSWORD_UNCHANGED', kind: 'INVALID' });
    });

    it('should answer CONFLICT when the version moved between the read and the write', async () => {
      const replace = jest.spyOn(repository, 'replacePassword').mockResolvedValueOnce(null);

      const error = await errorOf(
        sut.changePassword(principal, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, CLIENT),
      );

      expect(error).toMatchObject({ code: 'PASSWORD_CHANGE_CONFLICT', kind: 'CONFLICT' });
      replace.mockRestore();
    });
  });

  describe('verifyToken', () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    it('should return the claims of a valid token', async () => {
      const token = (await sut.login(PASSWORD, CLIENT)).accessToken;

      await expect(sut.verifyToken(token)).resolves.toMatchObject({ sub: OPERATOR_SUBJECT, pwv: 1 });
    });

    it('should refuse a token whose signature was altered', async () => {
      const [header, payload, signature] = (await sut.login(PASSWORD, CLIENT)).accessToken.split('.');
      const flipped = signature[5] === 'A' ? 'B' : 'A';
      const tampered = `${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;

      expect(await errorOf(sut.verifyToken(tampered))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse a token whose payload was altered', async () => {
      const [header, , signature] = (await sut.login(PASSWORD, CLIENT)).accessToken.split('.');
      const forged = encode({ sub: OPERATOR_SUBJECT, pwv: 99, iat: nowSeconds(), exp: nowSeconds() + 3600 });

      expect(await errorOf(sut.verifyToken(`${header}.${forged}.${signature}`))).toMatchObject({
        code: 'INVALID_TOKEN',
      });
    });

    it('should refuse an unsigned alg:none token', async () => {
      const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: OPERATOR_SUBJECT, pwv: 1, iat: nowSeconds(), exp: nowSeconds() + 60 })}.`;

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse a token signed with another secret', async () => {
      const token = new JwtService({ secret: 'another-secret-of-sufficient-length-0123' }).sign({
        sub: OPERATOR_SUBJECT,
        pwv: 1,
      });

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse HS512 even with the right secret (algorithm pinned)', async () => {
      const token = new JwtService({ secret: SECRET }).sign({ sub: OPERATOR_SUBJECT, pwv: 1 }, { algorithm: 'HS512' });

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse an RS256 token', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = new JwtService({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) }).sign(
        { sub: OPERATOR_SUBJECT, pwv: 1 },
        { algorithm: 'RS256' },
      );

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse an expired token with TOKEN_EXPIRED', async () => {
      const token = new JwtService({ secret: SECRET }).sign({
        sub: OPERATOR_SUBJECT,
        pwv: 1,
        iat: nowSeconds() - 120,
        exp: nowSeconds() - 60,
      });

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_EXPIRED', kind: 'UNAUTHENTICATED' });
    });

    it('should refuse a correctly signed token without a password version', async () => {
      const token = new JwtService({ secret: SECRET }).sign({ sub: OPERATOR_SUBJECT }, { expiresIn: 60 });

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse garbage', async () => {
      expect(await errorOf(sut.verifyToken('not-a-jwt'))).toMatchObject({ code: 'INVALID_TOKEN' });
    });
  });

  describe('verifyToken with the verified-token cache', () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const clockSeconds = () => Math.floor(clock.nowMs() / 1000);
    /** A token of ours whose claims are relative to the spec's clock. */
    const tokenFor = (lifetimeSeconds: number, pwv = 1, secret = SECRET) =>
      new JwtService({ secret }).sign({
        sub: OPERATOR_SUBJECT,
        pwv,
        iat: clockSeconds(),
        exp: clockSeconds() + lifetimeSeconds,
      });

    it('should verify the signature of a token once and serve its repeats from the cache', async () => {
      const token = tokenFor(3600);
      const verify = jest.spyOn(jwt, 'verify');

      await sut.verifyToken(token);
      await sut.verifyToken(token);
      await sut.verifyToken(token);

      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockRestore();
    });

    it('should refuse a tampered signature or payload of a token that is cached', async () => {
      const token = tokenFor(3600);
      await sut.verifyToken(token);
      const [header, payload, signature] = token.split('.');
      const flipped = signature[5] === 'A' ? 'B' : 'A';
      const forged = encode({ sub: OPERATOR_SUBJECT, pwv: 1, iat: clockSeconds(), exp: clockSeconds() + 7200 });

      expect(
        await errorOf(sut.verifyToken(`${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`)),
      ).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(await errorOf(sut.verifyToken(`${header}.${forged}.${signature}`))).toMatchObject({
        code: 'INVALID_TOKEN',
      });
      expect(await errorOf(sut.verifyToken(`${token}x`))).toMatchObject({ code: 'INVALID_TOKEN' });
    });

    it('should refuse a token with the same claims signed with another secret while ours is cached', async () => {
      const ours = tokenFor(3600);
      await sut.verifyToken(ours);
      const theirs = new JwtService({ secret: 'another-secret-of-sufficient-length-0123' }).sign(
        jwt.decode<Record<string, unknown>>(ours),
      );

      expect(theirs).not.toBe(ours);
      expect(await errorOf(sut.verifyToken(theirs))).toMatchObject({ code: 'INVALID_TOKEN' });
      await expect(sut.verifyToken(ours)).resolves.toMatchObject({ pwv: 1 });
    });

    it('should refuse a cached token from its expiry second on', async () => {
      const token = tokenFor(5);
      await expect(sut.verifyToken(token)).resolves.toMatchObject({ pwv: 1 });

      clock.advance(4_000);
      await expect(sut.verifyToken(token)).resolves.toMatchObject({ pwv: 1 });
      clock.advance(1_000);

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_EXPIRED' });
      clock.advance(60_000);
      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_EXPIRED' });
    });

    it('should refuse a cached token at once after a password change on this instance', async () => {
      const token = (await sut.login(PASSWORD, CLIENT)).accessToken;
      const operator = await sut.verifyToken(token);
      await sut.verifyToken(token);

      await sut.changePassword(operator, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, CLIENT);

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_REVOKED' });
    });

    it('should refuse a cached token once the stored password version moved (another instance)', async () => {
      const token = tokenFor(3600);
      await sut.verifyToken(token);
      await repository.replacePassword(1, await hasher.hash(NEW_PASSWORD));

      clock.advance(PASSWORD_VERSION_TTL_MS);

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_REVOKED' });
    });

    it('should not cache a refused token: each attempt is verified in full', async () => {
      const token = tokenFor(-1);
      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_EXPIRED' });
      const verify = jest.spyOn(jwt, 'verify');

      expect(await errorOf(sut.verifyToken(token))).toMatchObject({ code: 'TOKEN_EXPIRED' });
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockRestore();
    });

    it('should keep a bounded number of tokens: the oldest is verified in full again', async () => {
      const tokens = Array.from({ length: VERIFIED_TOKEN_CACHE_SIZE + 1 }, (_, i) => tokenFor(3600 + i));
      for (const token of tokens) await sut.verifyToken(token);
      const verify = jest.spyOn(jwt, 'verify');

      await sut.verifyToken(tokens[tokens.length - 1]);
      expect(verify).toHaveBeenCalledTimes(0);
      await sut.verifyToken(tokens[0]);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockRestore();
    });
  });

  describe('validity', () => {
    it('should report subject, issue and expiry times and seconds left by the clock', async () => {
      const principal = await principalFor((await sut.login(PASSWORD, CLIENT)).accessToken);
      clock.advance(principal.iat * 1000 + 10_000 - clock.nowMs());

      expect(sut.validity(principal)).toEqual({
        subject: OPERATOR_SUBJECT,
        issuedAt: new Date(principal.iat * 1000),
        expiresAt: new Date(principal.exp * 1000),
        expiresInSeconds: 3590,
      });
    });
  });
});
