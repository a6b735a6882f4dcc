import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../infra/config/app-config';
import { AuthError } from './auth.error';
import { keyOf, LoginThrottle } from './login-throttle';

const config = (env: Record<string, string> = {}) =>
  loadAppConfig(
    {
      APP_PASSWORD: 'initial-password-1',
      SECRET_KEY: 'k'.repeat(64),
      LOGIN_MAX_FAILURES: '2',
      LOGIN_WINDOW_SECONDS: '1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'throttle-spec-')),
      ...env,
    },
    { dotenvPath: false },
  );

describe(LoginThrottle.name, () => {
  it('should allow the configured attempts, then refuse with the seconds left in the window', async () => {
    const sut = new LoginThrottle(config(), null);
    await sut.attempt('192.0.2.1');
    await sut.attempt('192.0.2.1');

    const refused = await sut.attempt('192.0.2.1').catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'LOGIN_THROTTLED', kind: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
  });

  it('should allow attempts again once the window has passed', async () => {
    const sut = new LoginThrottle(config(), null);
    await sut.attempt('192.0.2.2');
    await sut.attempt('192.0.2.2');
    await expect(sut.attempt('192.0.2.2')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' });

    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await expect(sut.attempt('192.0.2.2')).resolves.toBeUndefined();
  });

  it('should start over after a success', async () => {
    const sut = new LoginThrottle(config(), null);
    await sut.attempt('192.0.2.3');
    await sut.attempt('192.0.2.3');

    await sut.succeeded('192.0.2.3');

    await expect(sut.attempt('192.0.2.3')).resolves.toBeUndefined();
  });
});

describe(keyOf.name, () => {
  it.each([
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['203.0.113.7', '203.0.113.7'],
    ['2001:DB8::1', '2001:db8::1'],
    ['::1', '::1'],
    ['', 'unknown'],
  ])('should key %p as %p', (address, key) => {
    expect(keyOf(address)).toBe(key);
  });
});
