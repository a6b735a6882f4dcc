import { ApiProperty } from '@nestjs/swagger';
import { BreakerStatusDto, RateLimitStatusDto } from '../../exchange/dto/exchange-status.dto';
import { RISK_REJECTION_CODES } from '../domain/risk.types';
import { KillSwitchStatusDto } from './kill-switch.dto';

const USDT = (description: string) => ({ description: `${description}; USDT decimal string` });

export class RiskLimitsDto {
  @ApiProperty({ description: 'MAX_OPEN_POSITIONS' }) maxOpenPositions: number;
  @ApiProperty(USDT('MAX_EXPOSURE_USDT: open + pending entry notional')) maxExposureUsdt: string;
  @ApiProperty(USDT('MIN_ORDER_SIZE_USDT')) minOrderSizeUsdt: string;
  @ApiProperty(USDT('ORDER_SIZE_USDT: notional of one entry, rounded down to the qty step')) orderSizeUsdt: string;
  @ApiProperty({ description: 'TAKE_PROFIT_PCT, percent of the entry price' }) takeProfitPct: number;
  @ApiProperty({ description: 'STOP_LOSS_PCT, percent of the entry price' }) stopLossPct: number;
  @ApiProperty({ description: 'MAX_HOLD_SECONDS' }) maxHoldSeconds: number;
  @ApiProperty(USDT('MAX_DAILY_LOSS_USDT; 0 = no automatic kill switch')) maxDailyLossUsdt: string;
}

export class RiskUsageDto {
  @ApiProperty({ description: 'Live positions (Opening, Open, Closing)' }) openPositions: number;
  @ApiProperty() maxOpenPositions: number;
  @ApiProperty(USDT('Σ |size| × entry price of live positions')) openExposureUsdt: string;
  @ApiProperty(USDT('Σ notional of active entry orders')) pendingExposureUsdt: string;
  @ApiProperty(USDT('open + pending')) exposureUsdt: string;
  @ApiProperty(USDT('MAX_EXPOSURE_USDT')) maxExposureUsdt: string;
  @ApiProperty(USDT('Realised PnL of the UTC day counted against the limit; negative = loss'))
  dailyRealizedPnlUsdt: string;
  @ApiProperty(USDT('MAX_DAILY_LOSS_USDT')) maxDailyLossUsdt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Wallet available balance; null until known' })
  availableBalanceUsdt: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Account equity (wallet balance + unrealised PnL) as the exchange reports it; null when unknown',
  })
  equityUsdt: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'The leverage the account trades at on the exchange (the lowest over the configured symbols); null when the exchange could not be asked',
  })
  leverage: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    example: { BTCUSDT: 10, ETHUSDT: 10 },
    description: 'Leverage per configured symbol as the exchange reports it (null: not known)',
  })
  leverageBySymbol: Record<string, number | null>;
  @ApiProperty({
    description:
      'Leverage the entry margin check assumes (margin = notional / it): the account leverage learnt at reconciliation, 1 until then',
  })
  marginCheckLeverage: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'exposureUsdt / equityUsdt: the leverage the open and pending exposure amounts to; null without equity',
  })
  effectiveLeverage: number | null;
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
