import { RISK_REJECTION_CODES } from './domain/risk.types';
import { toRiskStatusResponse } from './risk-status.mapper';
import type { RiskStatus } from './risk-status.query';

const STATUS: RiskStatus = {
  limits: {
    maxOpenPositions: 3,
    maxExposureUsdt: 2500,
    minOrderSizeUsdt: 7,
    orderSizeUsdt: 150,
    takeProfitPct: 0.4,
    stopLossPct: 0.25,
    maxHoldSeconds: 120,
    maxDailyLossUsdt: 321,
  },
  usage: {
    openPositions: 1,
    maxOpenPositions: 3,
    openExposureUsdt: 0.1 + 0.2,
    pendingExposureUsdt: 150,
    exposureUsdt: 150.3,
    maxExposureUsdt: 2500,
    dailyRealisedPnlUsdt: -12.345678912,
    maxDailyLossUsdt: 321,
    availableBalanceUsdt: 9876.5,
    leverage: 1,
  },
  killSwitch: {
    active: false,
    reason: null,
    since: null,
    changedBy: null,
    tradingDay: '2026-12-07',
    dailyRealisedPnlUsdt: -12.345678912,
    maxDailyLossUsdt: 321,
  },
  circuitBreakers: [
    {
      group: 'trade',
      state: 'OPEN',
      consecutiveFailures: 5,
      failureThreshold: 5,
      cooldownMs: 30_000,
      openedAtMs: Date.UTC(2026, 11, 7, 6, 0, 0),
      lastError: 'HTTP 503',
      window: { fires: 9, failures: 5, successes: 4, rejects: 2 },
    },
  ],
  rateLimits: [],
  books: [{ symbol: 'BTCUSDT', stale: false, condition: 'fresh' }],
  rejections: Object.fromEntries(RISK_REJECTION_CODES.map((code) => [code, 0])) as RiskStatus['rejections'],
  entriesAllowed: false,
};

describe('toRiskStatusResponse', () => {
  it('should write every USDT figure as a decimal string at the money scale', () => {
    const dto = toRiskStatusResponse(STATUS, { bySymbol: { BTCUSDT: 10 }, equityUsdt: '10000' });

    expect(dto.limits).toMatchObject({ maxExposureUsdt: '2500', orderSizeUsdt: '150', takeProfitPct: 0.4 });
    expect(dto.usage).toMatchObject({
      openExposureUsdt: '0.3',
      exposureUsdt: '150.3',
      dailyRealizedPnlUsdt: '-12.34567891',
      availableBalanceUsdt: '9876.5',
    });
    expect(dto.killSwitch).toMatchObject({ dailyRealizedPnlUsdt: '-12.34567891', maxDailyLossUsdt: '321' });
  });

  it("should report the account's leverage from the exchange next to the one the margin check assumes", () => {
    const dto = toRiskStatusResponse(STATUS, { bySymbol: { BTCUSDT: 10, ETHUSDT: 5 }, equityUsdt: '1000' });

    expect(dto.usage).toMatchObject({
      leverage: 5,
      leverageBySymbol: { BTCUSDT: 10, ETHUSDT: 5 },
      marginCheckLeverage: 1,
      equityUsdt: '1000',
      effectiveLeverage: 0.1503,
    });
  });

  it('should say null when the exchange could not tell the leverage or the equity', () => {
    const dto = toRiskStatusResponse(STATUS, { bySymbol: { BTCUSDT: null }, equityUsdt: null });

    expect(dto.usage).toMatchObject({ leverage: null, equityUsdt: null, effectiveLeverage: null });
  });

  it('should write breaker times as ISO-8601', () => {
    const dto = toRiskStatusResponse(STATUS, { bySymbol: {}, equityUsdt: null });

    expect(dto.circuitBreakers[0]).toMatchObject({ openedAt: '2026-12-07T06:00:00.000Z', state: 'OPEN' });
    expect(dto.circuitBreakers[0]).not.toHaveProperty('openedAtMs');
  });
});
