import { moneyDecimal } from '../common/wire-decimal';
import { toBreakerStatusDto, toRateLimitStatusDto } from '../exchange/exchange-status.mapper';
import type { AccountLeverage } from './account-leverage.reader';
import type { KillSwitchStatusDto } from './dto/kill-switch.dto';
import type { RiskStatusResponseDto } from './dto/risk-status.dto';
import type { KillSwitchStatus } from './kill-switch.store';
import type { RiskStatus } from './risk-status.query';

/** Money leaves as a decimal string at the money scale (docs/api-conventions.md); a NaN here is a bug, not a 0. */
function usdt(value: number): string {
  const text = moneyDecimal(value);
  if (text === null) throw new RangeError(`risk status: not a finite USDT amount (${value})`);
  return text;
}

export function toKillSwitchStatusDto(status: KillSwitchStatus): KillSwitchStatusDto {
  return {
    active: status.active,
    reason: status.reason,
    since: status.since,
    changedBy: status.changedBy,
    tradingDay: status.tradingDay,
    dailyRealizedPnlUsdt: usdt(status.dailyRealisedPnlUsdt),
    maxDailyLossUsdt: usdt(status.maxDailyLossUsdt),
  };
}

/** The lowest known leverage over the symbols (the one whose margin is largest); null when none is known. */
function lowest(bySymbol: Readonly<Record<string, number | null>>): number | null {
  const known = Object.values(bySymbol).filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.min(...known);
}

/** Ratios are numbers; 4 decimals are plenty for a leverage read by a person. */
const ratio = (value: number): number => Math.round(value * 10_000) / 10_000;

export function toRiskStatusResponse(status: RiskStatus, account: AccountLeverage): RiskStatusResponseDto {
  const { limits, usage } = status;
  const equity = account.equityUsdt === null ? Number.NaN : Number(account.equityUsdt);
  return {
    limits: {
      maxOpenPositions: limits.maxOpenPositions,
      maxExposureUsdt: usdt(limits.maxExposureUsdt),
      minOrderSizeUsdt: usdt(limits.minOrderSizeUsdt),
      orderSizeUsdt: usdt(limits.orderSizeUsdt),
      takeProfitPct: limits.takeProfitPct,
      stopLossPct: limits.stopLossPct,
      maxHoldSeconds: limits.maxHoldSeconds,
      maxDailyLossUsdt: usdt(limits.maxDailyLossUsdt),
    },
    usage: {
      openPositions: usage.openPositions,
      maxOpenPositions: usage.maxOpenPositions,
      openExposureUsdt: usdt(usage.openExposureUsdt),
      pendingExposureUsdt: usdt(usage.pendingExposureUsdt),
      exposureUsdt: usdt(usage.exposureUsdt),
      maxExposureUsdt: usdt(usage.maxExposureUsdt),
      dailyRealizedPnlUsdt: usdt(usage.dailyRealisedPnlUsdt),
      maxDailyLossUsdt: usdt(usage.maxDailyLossUsdt),
      availableBalanceUsdt: usage.availableBalanceUsdt === null ? null : usdt(usage.availableBalanceUsdt),
      equityUsdt: account.equityUsdt,
      leverage: lowest(account.bySymbol),
      leverageBySymbol: { ...account.bySymbol },
      marginCheckLeverage: usage.leverage,
      effectiveLeverage: equity > 0 ? ratio(usage.exposureUsdt / equity) : null,
    },
    killSwitch: toKillSwitchStatusDto(status.killSwitch),
    circuitBreakers: status.circuitBreakers.map(toBreakerStatusDto),
    rateLimits: status.rateLimits.map(toRateLimitStatusDto),
    books: status.books.map((b) => ({ symbol: b.symbol, stale: b.stale, condition: b.condition })),
    rejections: { ...status.rejections },
    entriesAllowed: status.entriesAllowed,
  };
}
