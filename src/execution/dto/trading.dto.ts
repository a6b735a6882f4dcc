import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class BalanceResponseDto {
  @ApiProperty({ example: 'UNIFIED' }) account_type: string;
  @ApiProperty({ description: 'USDT equity (wallet balance + unrealised PnL), decimal string' }) equity_usdt: string;
  @ApiProperty({ description: 'USDT wallet balance, decimal string' }) wallet_balance_usdt: string;
  @ApiProperty({ description: 'Available for new margin, decimal string' }) available_usdt: string;
  @ApiProperty({ description: 'Unrealised PnL of perpetual positions, decimal string' }) unrealised_pnl_usdt: string;
  @ApiProperty({ description: 'Initial margin in use, decimal string' }) initial_margin_usdt: string;
  @ApiProperty({ description: 'When this balance was received from the exchange (ISO)' }) as_of: string;
}

export class PositionDto {
  @ApiProperty() id: string;
  @ApiProperty() symbol: string;
  @ApiProperty({ enum: ['Buy', 'Sell'] }) side: string;
  @ApiProperty({ enum: ['Opening', 'Open', 'Closing', 'Closed'] }) status: string;
  @ApiProperty({ description: 'Open size, decimal string' }) quantity: string;
  @ApiProperty({ nullable: true, type: String }) entry_price: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Price the unrealised PnL is marked at (the executable side of the book)',
  })
  mark_price: string | null;
  @ApiProperty({ description: 'Unrealised PnL at mark_price, USDT' }) unrealised_pnl: string;
  @ApiProperty({ description: 'Realised so far (partial exits), net of fees, USDT' }) realised_pnl: string;
  @ApiProperty({ description: 'Fees paid so far, USDT' }) fees: string;
  @ApiProperty({ nullable: true, type: String }) take_profit: string | null;
  @ApiProperty({ nullable: true, type: String }) stop_loss: string | null;
  @ApiProperty({ nullable: true, type: String }) exit_reason: string | null;
  @ApiProperty({ nullable: true, type: String }) opened_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Set once Closed' }) closed_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The signal that opened it (its id is the trace id)' })
  signal_id: string | null;
}

export class PositionsResponseDto {
  @ApiProperty({ type: [PositionDto] }) positions: PositionDto[];
  @ApiProperty({ description: 'Sum of unrealised PnL, USDT' }) total_unrealised_pnl: string;
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
  orders_by_status: Record<string, number>;
  @ApiProperty({ description: 'Orders sent to the exchange (all time, database)' }) orders_placed: number;
  @ApiProperty() orders_filled: number;
  @ApiProperty() orders_rejected: number;
  @ApiProperty() orders_cancelled: number;
  @ApiProperty() orders_failed: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Filled / (filled + cancelled + rejected): null before any order finished',
  })
  fill_ratio: number | null;
  @ApiProperty({ description: 'Signals seen by execution since start' }) signals: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'What execution did with them',
  })
  signal_outcomes: Record<string, number>;
  @ApiProperty({
    type: LatencySummaryDto,
    description: 'Signal reaching execution → create request handed to the exchange client, ms (this process)',
  })
  signal_to_send_ms: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto, description: 'Signal → exchange acknowledgement, ms' })
  signal_to_ack_ms: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto, description: 'Signal → first fill seen, ms' })
  signal_to_fill_ms: LatencySummaryDto;
  @ApiProperty({
    type: LatencySummaryDto,
    description: 'Entry slippage vs signal price, basis points, positive = adverse',
  })
  slippage_bps: LatencySummaryDto;
  @ApiProperty({ description: 'Creates that failed or were refused' }) send_failures: number;
  @ApiProperty({ description: 'Signals delivered again and suppressed by their orderLinkId' })
  duplicates_suppressed: number;
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
  @ApiProperty({ enum: ['MANUAL'] }) exit_reason: string;
}
