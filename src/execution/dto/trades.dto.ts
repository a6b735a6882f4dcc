import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { buildMessage, IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import { isAuditTimestamp } from '../../audit/dto/audit-query.dto';
import { PageLimit, PageOffset } from '../../infra/http/limit-query.dto';
import { LIVE_POSITION_STATUSES, ORDER_SIDES, POSITION_STATUSES } from '../domain/order-vocabulary';
import type { OrderSide, PositionStatus } from '../domain/order-vocabulary';

/** An ISO-8601 time PostgreSQL and JavaScript read as the same instant (else a 400, never a 500). */
function IsIsoTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isIsoTime',
    validator: {
      validate: (value) => isAuditTimestamp(value),
      defaultMessage: buildMessage((each) => `${each}$property must be an ISO-8601 time such as 2025-01-31T12:00:00Z`),
    },
  });
}

const SYMBOL = /^[A-Z0-9]{2,32}$/;

/** GET /trading/trades filters, combined with AND; the time bounds apply to closedAt. */
export class TradesQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT' })
  @IsOptional()
  @Matches(SYMBOL, { message: 'symbol must be an upper-case symbol such as BTCUSDT' })
  symbol?: string;

  @ApiPropertyOptional({ enum: ORDER_SIDES })
  @IsOptional()
  @IsIn(ORDER_SIDES, { message: `side must be one of ${ORDER_SIDES.join(', ')}` })
  side?: OrderSide;

  @ApiPropertyOptional({
    example: 'TAKE_PROFIT',
    description: 'Exact exit reason, e.g. TAKE_PROFIT, STOP_LOSS, MANUAL',
  })
  @IsOptional()
  @Matches(/^[A-Z_]{1,64}$/, { message: 'exitReason must be an upper-case reason such as TAKE_PROFIT' })
  exitReason?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'closedAt at or after this time (inclusive)' })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'closedAt before this time (exclusive)' })
  @IsOptional()
  @IsIsoTime()
  to?: string;

  @PageLimit(500, 50)
  limit?: number;

  @PageOffset()
  offset?: number;
}

export class ClosedTradeDto {
  @ApiProperty({ format: 'uuid' }) positionId: string;
  @ApiProperty({ example: 'BTCUSDT' }) symbol: string;
  @ApiProperty({ enum: ORDER_SIDES, description: 'Side of the entry (Buy = long)' }) side: string;
  @ApiProperty({ description: 'Size closed, decimal string', example: '0.012' }) qty: string;
  @ApiProperty({ nullable: true, type: String, description: 'Average entry price, decimal string' })
  entryPrice: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Average exit price, decimal string' })
  exitPrice: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) openedAt: string | null;
  @ApiProperty({ format: 'date-time' }) closedAt: string;
  @ApiProperty({ nullable: true, type: Number, description: 'closedAt − openedAt, ms' }) holdingMs: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'TAKE_PROFIT' }) exitReason: string | null;
  @ApiProperty({ description: 'Realised PnL before fees, USDT decimal string' }) realizedPnl: string;
  @ApiProperty({ description: 'Fees paid (entry and exit), USDT decimal string' }) fees: string;
  @ApiProperty({ description: 'realizedPnl − fees, USDT decimal string' }) netPnl: string;
}

export class TradeTotalsDto {
  @ApiProperty({ description: 'Closed positions matching the filters (all pages)' }) count: number;
  @ApiProperty({ description: 'Of them with netPnl > 0' }) wins: number;
  @ApiProperty({ description: 'Of them with netPnl < 0' }) losses: number;
  @ApiProperty({ description: 'Sum of realizedPnl (before fees), USDT' }) realizedPnl: string;
  @ApiProperty({ description: 'Sum of fees, USDT' }) fees: string;
  @ApiProperty({ description: 'Sum of netPnl, USDT' }) netPnl: string;
}

export class TradesResponseDto {
  @ApiProperty({ type: [ClosedTradeDto], description: 'Newest closedAt first' }) items: ClosedTradeDto[];
  @ApiProperty({ description: 'Matching closed positions in all pages' }) total: number;
  @ApiProperty({ type: TradeTotalsDto, description: 'Over all matching closed positions, not just this page' })
  totals: TradeTotalsDto;
}

export class PositionFillDto {
  @ApiProperty({ description: 'Bybit execId' }) execId: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ enum: ORDER_SIDES }) side: string;
  @ApiProperty({ description: 'Decimal string' }) price: string;
  @ApiProperty({ description: 'Decimal string' }) qty: string;
  @ApiProperty({ description: 'Fee, decimal string (negative = rebate)' }) fee: string;
  @ApiProperty() isMaker: boolean;
  @ApiProperty({ format: 'date-time' }) executedAt: string;
}

export class PositionFillsResponseDto {
  @ApiProperty({ format: 'uuid' }) positionId: string;
  @ApiProperty({ type: [PositionFillDto], description: 'Oldest first' }) items: PositionFillDto[];
}

/** GET /trading/positions filter: live positions by default; Closed (or any status) when asked. */
export class PositionsQueryDto {
  @ApiPropertyOptional({
    enum: POSITION_STATUSES,
    description: `One status; without it the live ones (${LIVE_POSITION_STATUSES.join(', ')})`,
  })
  @IsOptional()
  @IsIn(POSITION_STATUSES, { message: `status must be one of ${POSITION_STATUSES.join(', ')}` })
  status?: PositionStatus;

  @PageLimit(500, 100, 'Only with status=Closed')
  limit?: number;
}
