import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class BalanceResponseDto {
  @ApiProperty({ example: 'UNIFIED' }) accountType: string;
  @ApiProperty({ description: 'USDT equity (wallet balance + unrealised PnL), decimal string' }) equityUsdt: string;
  @ApiProperty({ description: 'USDT wallet balance, decimal string' }) walletBalanceUsdt: string;
  @ApiProperty({ description: 'Available for new margin, decimal string' }) availableUsdt: string;
  @ApiProperty({ description: 'Unrealised PnL of perpetual positions, decimal string' }) unrealizedPnlUsdt: string;
  @ApiProperty({ description: 'Initial margin in use, decimal string' }) initialMarginUsdt: string;
  @ApiProperty({ format: 'date-time', description: 'When this balance was received from the exchange' })
  asOf: string;
}

export class PositionDto {
  @ApiProperty() id: string;
  @ApiProperty() symbol: string;
  @ApiProperty({ enum: ['Buy', 'Sell'] }) side: string;
  @ApiProperty({ enum: ['Opening', 'Open', 'Closing', 'Closed'] }) status: string;
  @ApiProperty({ description: 'Open size, decimal string' }) quantity: string;
  @ApiProperty({ nullable: true, type: String, description: 'Average entry price, decimal string' })
  entryPrice: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Price the unrealised PnL is marked at (the executable side of the book)',
  })
  markPrice: string | null;
  @ApiProperty({ description: 'Unrealised PnL at markPrice, USDT decimal string' }) unrealizedPnl: string;
  @ApiProperty({ description: 'Realised so far (partial exits), net of fees, USDT decimal string' })
  realizedPnl: string;
  @ApiProperty({ description: 'Fees paid so far, USDT decimal string' }) fees: string;
  @ApiProperty({ nullable: true, type: String, description: 'Take-profit price' }) takeProfit: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Stop-loss price' }) stopLoss: string | null;
  @ApiProperty({ nullable: true, type: String }) exitReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) openedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Set once Closed' })
  closedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The signal that opened it (its id is the trace id)' })
  signalId: string | null;
}

export class PositionsResponseDto {
  @ApiProperty({ type: [PositionDto] }) positions: PositionDto[];
  @ApiProperty({ description: 'Sum of unrealised PnL, USDT decimal string' }) totalUnrealizedPnl: string;
}

export class LatencySummaryDto {
  @ApiProperty() count: number;
  @ApiProperty({ nullable: true, type: Number }) p50: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90: number | null;
  @ApiProperty({ nullable: true, type: Number }) p99: number | null;
  @ApiProperty({ nullable: true, type: Number }) max: number | null;
  @ApiProperty({ nullable: true, type: Number }) mean: number | null;
}

export class ExecutionStatsResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Orders in the database by status',
  })
  ordersByStatus: Record<string, number>;
  @ApiProperty({ description: 'Orders sent to the exchange (all time, database)' }) ordersPlaced: number;
  @ApiProperty() ordersFilled: number;
  @ApiProperty() ordersRejected: number;
  @ApiProperty() ordersCancelled: number;
  @ApiProperty() ordersFailed: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Filled / (filled + cancelled + rejected): null before any order finished',
  })
  fillRatio: number | null;
  @ApiProperty({ description: 'Signals seen by execution since start' }) signals: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'What execution did with them',
  })
  signalOutcomes: Record<string, number>;
  @ApiProperty({
    type: LatencySummaryDto,
    description: 'Signal reaching execution → create request handed to the exchange client, ms (this process)',
  })
  signalToSendMs: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto, description: 'Signal → exchange acknowledgement, ms' })
  signalToAckMs: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto, description: 'Signal → first fill seen, ms' })
  signalToFillMs: LatencySummaryDto;
  @ApiProperty({
    type: LatencySummaryDto,
    description: 'Entry slippage vs signal price, basis points, positive = adverse',
  })
  slippageBps: LatencySummaryDto;
  @ApiProperty({ description: 'Creates that failed or were refused' }) sendFailures: number;
  @ApiProperty({ description: 'Signals delivered again and suppressed by their orderLinkId' })
  duplicatesSuppressed: number;
}

export class PositionIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a position id (uuid)' })
  id: string;
}

export class ClosePositionResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() symbol: string;
  @ApiProperty({
    enum: ['Closing'],
    description: 'The exit order is being written and sent; follow it on /trading/positions, /ws or /audit',
  })
  status: string;
  @ApiProperty({ enum: ['MANUAL'] }) exitReason: string;
}
