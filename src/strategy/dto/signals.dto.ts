import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { LimitQueryDto } from '../../infra/http/limit-query.dto';

export class SignalsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @Matches(/^[A-Z0-9]{2,25}$/, { message: 'symbol must be a symbol such as BTCUSDT' })
  symbol?: string;

  @ApiPropertyOptional({
    enum: ['features'],
    description: 'features: add every feature value at the signal (about 110 numbers each) to context.features',
  })
  @IsOptional()
  @IsIn(['features'], { message: 'include must be features' })
  include?: 'features';
}

const PRICE = { nullable: true, type: String, description: 'Price, decimal string on the tick grid' } as const;
const NOTIONAL = { description: 'USDT notional, decimal string' } as const;

/** The book metrics a signal was derived from (see SignalMetricsView). */
export class SignalMetricsDto {
  @ApiProperty({ description: 'Bid share of volume, best 5 levels, 0..1' }) imbalance5: number;
  @ApiProperty({ description: 'Best 10 levels, 0..1' }) imbalance10: number;
  @ApiProperty({ description: 'Whole book, 0..1' }) imbalanceAll: number;
  @ApiProperty({ description: 'The imbalance the rule compared' }) imbalance: number;
  @ApiProperty(PRICE) bestBid: string | null;
  @ApiProperty(PRICE) bestAsk: string | null;
  @ApiProperty({ ...PRICE, description: 'best ask − best bid' }) spread: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Spread in ticks' }) spreadTicks: number | null;
  @ApiProperty({ ...PRICE, description: 'Mid, one decimal past the tick' }) mid: string | null;
  @ApiProperty({ ...PRICE, description: 'Size-weighted mid, two decimals past the tick' }) microPrice: string | null;
  @ApiProperty({ ...PRICE, description: 'The cluster behind a Buy (bid) or above a Sell (ask)' })
  clusterPrice: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'USDT notional, decimal string' })
  clusterNotional: string | null;
  @ApiProperty(PRICE) supportPrice: string | null;
  @ApiProperty(NOTIONAL) supportNotional: string;
  @ApiProperty(PRICE) resistancePrice: string | null;
  @ApiProperty(NOTIONAL) resistanceNotional: string;
  @ApiProperty(PRICE) largestBidClusterPrice: string | null;
  @ApiProperty(NOTIONAL) largestBidClusterNotional: string;
  @ApiProperty(PRICE) largestAskClusterPrice: string | null;
  @ApiProperty(NOTIONAL) largestAskClusterNotional: string;
}

export class SignalContextDto {
  @ApiProperty({ type: SignalMetricsDto }) metrics: SignalMetricsDto;
  @ApiProperty({ description: 'Bybit update id of the book the signal was derived from' }) bookU: number;
  @ApiProperty({ description: 'Cross sequence of that book' }) bookSeq: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Every feature value by name; only with ?include=features',
  })
  features?: Record<string, number>;
}

export class SignalDto {
  @ApiProperty({ description: 'Deterministic id: the trace id and the seed of the orderLinkId' }) id: string;
  @ApiProperty() strategy: string;
  @ApiProperty() symbol: string;
  @ApiProperty({ enum: ['Buy', 'Sell'] }) side: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) strength: number;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'Decimal string on the tick grid' }) price: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: SignalContextDto, description: 'The metrics that caused it' }) context: SignalContextDto;
}

export class SignalsResponseDto {
  @ApiProperty({ type: [SignalDto], description: 'Newest first' }) signals: SignalDto[];
}
