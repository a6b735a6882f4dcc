import { ApiProperty } from '@nestjs/swagger';
import { BreakerStatusDto, RateLimitStatusDto } from '../../exchange/dto/exchange-status.dto';
import { RISK_REJECTION_CODES } from '../domain/risk.types';
import { KillSwitchStatusDto } from './kill-switch.dto';

export class RiskLimitsDto {
  @ApiProperty({ description: 'MAX_OPEN_POSITIONS' }) maxOpenPositions: number;
  @ApiProperty({ description: 'MAX_EXPOSURE_USDT: open + pending entry notional' }) maxExposureUsdt: number;
  @ApiProperty({ description: 'MIN_ORDER_SIZE_USDT' }) minOrderSizeUsdt: number;
  @ApiProperty({ description: 'ORDER_SIZE_USDT: notional of one entry, rounded down to the qty step' })
  orderSizeUsdt: number;
  @ApiProperty({ description: 'TAKE_PROFIT_PCT, percent of the entry price' }) takeProfitPct: number;
  @ApiProperty({ description: 'STOP_LOSS_PCT, percent of the entry price' }) stopLossPct: number;
  @ApiProperty({ description: 'MAX_HOLD_SECONDS' }) maxHoldSeconds: number;
  @ApiProperty({ description: 'MAX_DAILY_LOSS_USDT; 0 = no automatic kill switch' }) maxDailyLossUsdt: number;
}

export class RiskUsageDto {
  @ApiProperty({ description: 'Live positions (Opening, Open, Closing)' }) openPositions: number;
  @ApiProperty() maxOpenPositions: number;
  @ApiProperty({ description: 'Σ |size| × entry price of live positions' }) openExposureUsdt: number;
  @ApiProperty({ description: 'Σ notional of active entry orders' }) pendingExposureUsdt: number;
  @ApiProperty({ description: 'open + pending' }) exposureUsdt: number;
  @ApiProperty() maxExposureUsdt: number;
  @ApiProperty({ description: 'Realised PnL of the UTC day counted against the limit; negative = loss' })
  dailyRealisedPnlUsdt: number;
  @ApiProperty() maxDailyLossUsdt: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Wallet available balance; null until known' })
  availableBalanceUsdt: number | null;
  @ApiProperty({ description: 'Leverage used for the margin check' }) leverage: number;
}

export class BookFreshnessDto {
  @ApiProperty({ example: 'BTCUSDT' }) symbol: string;
  @ApiProperty({ description: 'True when no entry may be taken from this book now (code BOOK_STALE)' }) stale: boolean;
  @ApiProperty({ enum: ['fresh', 'no-data', 'resyncing', 'crossed', 'one-sided', 'stale'] }) condition: string;
}

const REJECTION_COUNTS_EXAMPLE = Object.fromEntries(RISK_REJECTION_CODES.map((code) => [code, 0]));

export class RiskStatusResponseDto {
  @ApiProperty({ type: RiskLimitsDto }) limits: RiskLimitsDto;
  @ApiProperty({ type: RiskUsageDto }) usage: RiskUsageDto;
  @ApiProperty({ type: KillSwitchStatusDto }) killSwitch: KillSwitchStatusDto;
  @ApiProperty({ type: [BreakerStatusDto], description: "Per endpoint group; an OPEN 'trade' breaker blocks entries" })
  circuitBreakers: BreakerStatusDto[];
  @ApiProperty({ type: [RateLimitStatusDto], description: 'Per endpoint group: capacity, tokens left, queued' })
  rateLimits: RateLimitStatusDto[];
  @ApiProperty({ type: [BookFreshnessDto], description: 'Per configured symbol' }) books: BookFreshnessDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: `Entries refused since start, by code (${RISK_REJECTION_CODES.join(', ')})`,
    example: REJECTION_COUNTS_EXAMPLE,
  })
  rejections: Record<string, number>;
  @ApiProperty({ description: "Kill switch off and the 'trade' breaker not OPEN" }) entriesAllowed: boolean;
}
