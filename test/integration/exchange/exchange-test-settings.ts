import type { ExchangeSettings } from '../../../src/exchange/exchange.settings';
import type { FakeBybit } from '../../support/fake-bybit';

export const API_KEY = 'test-api-key';
export const API_SECRET = 'test-api-secret';

/** Settings pointing at the fake, with small timeouts so reconnects and breakers act within a test. */
export function settingsFor(fake: FakeBybit, overrides: Partial<ExchangeSettings> = {}): ExchangeSettings {
  return {
    env: 'sim',
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    restUrl: fake.restUrl,
    wsPublicUrl: fake.wsPublicUrl,
    wsPrivateUrl: fake.wsPrivateUrl,
    symbols: ['BTCUSDT'],
    orderbookDepth: 50,
    recvWindowMs: 5000,
    httpTimeoutMs: 1000,
    rateLimit: { maxWaitMs: 2000, safetyFactor: 0.5 },
    breaker: { failureThreshold: 3, cooldownMs: 200 },
    readRetry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    ws: { pingIntervalMs: 500, pongTimeoutMs: 500, reconnectBaseMs: 50, reconnectMaxMs: 400 },
    instrumentsRefreshMs: 60_000,
    timeSyncIntervalMs: 60_000,
    ...overrides,
  };
}
