import type { ExchangeSettings } from '../../../src/exchange/exchange.settings';
import { RunningSimulator, SimulatorOptions, startSimulator } from '../../../src/simulator/simulator-runtime';

export const API_KEY = 'test-api-key';
export const API_SECRET = 'test-api-secret';

/** The simulator for one exchange spec: in memory, on a free loopback port, BTCUSDT and ETHUSDT, these keys. */
export function startExchangeSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    seed: 42,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    ...overrides,
  });
}

/** Settings pointing at the simulator, with small timeouts so reconnects and breakers act within a test. */
export function settingsFor(
  sim: Pick<RunningSimulator, 'restUrl' | 'wsPublicUrl' | 'wsPrivateUrl'>,
  overrides: Partial<ExchangeSettings> = {},
): ExchangeSettings {
  return {
    env: 'sim',
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    restUrl: sim.restUrl,
    wsPublicUrl: sim.wsPublicUrl,
    wsPrivateUrl: sim.wsPrivateUrl,
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
