import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class SymbolParamDto {
  @ApiProperty({ example: 'BTCUSDT' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @Matches(/^[A-Z0-9]{2,25}$/, { message: 'symbol must be a symbol such as BTCUSDT' })
  symbol: string;
}

export class DepthQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'depth must be an integer' })
  @Min(1)
  @Max(1000)
  depth?: number;
}

export class PairDto {
  @ApiProperty({ example: 'BTCUSDT' }) symbol: string;
  @ApiProperty({ example: '0.10', description: 'Price step' }) tickSize: string;
  @ApiProperty({ example: '0.001', description: 'Quantity step' }) qtyStep: string;
  @ApiProperty({ example: '0.001' }) minOrderQty: string;
  @ApiProperty({ example: '5', description: 'Smallest order value, USDT' }) minNotional: string;
  @ApiProperty({ example: 'Trading' }) status: string;
}

export class PairsResponseDto {
  @ApiProperty({ type: [PairDto] }) pairs: PairDto[];
}

export class OrderBookResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
    example: [['96000.10', '0.512']],
    description: '[price, size], best first',
  })
  bids: Array<[string, string]>;
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'string' } }, example: [['96000.20', '0.104']] })
  asks: Array<[string, string]>;
  @ApiProperty({ description: 'Bybit update id of the last applied message' }) u: number;
  @ApiProperty() seq: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Exchange time of the last update; null before the first',
  })
  exchangeTime: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Local receive time of the last update; null before the first',
  })
  updatedAt: string | null;
  @ApiProperty() synced: boolean;
  @ApiProperty() crossed: boolean;
  @ApiProperty() stale: boolean;
}

export class ClusterDto {
  @ApiProperty({ nullable: true, type: String, description: 'Price, decimal string; null without a cluster' })
  price: string | null;
  @ApiProperty({ description: 'Notional of the cluster, USDT decimal string' }) notional: string;
}

/** Prices and price distances are decimal strings on the tick grid (mid: +1 decimal, micro-price: +2). */
export class MetricsResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ nullable: true, type: String, description: '(best bid + best ask) / 2' }) mid: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Size-weighted mid' }) microPrice: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'best ask − best bid, a price difference' })
  spread: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'spread / mid (a ratio)' }) spreadRel: number | null;
  @ApiProperty({ description: 'Bid share of volume over the best 5 levels, 0..1' }) imbalance5: number;
  @ApiProperty({ description: 'Bid share of volume over the best 10 levels, 0..1' }) imbalance10: number;
  @ApiProperty({ description: 'Bid share of volume over the whole book, 0..1' }) imbalanceTotal: number;
  @ApiProperty({ type: ClusterDto }) largestBidCluster: ClusterDto;
  @ApiProperty({ type: ClusterDto }) largestAskCluster: ClusterDto;
  @ApiProperty({ description: 'Number of bid clusters' }) bidClusters: number;
  @ApiProperty({ description: 'Number of ask clusters' }) askClusters: number;
  @ApiProperty({ nullable: true, type: String, description: 'Nearest bid cluster below mid' }) support: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Nearest ask cluster above mid' })
  resistance: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'mid − support, a price difference' })
  distanceToSupport: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'resistance − mid, a price difference' })
  distanceToResistance: string | null;
  @ApiProperty() stale: boolean;
  @ApiProperty() u: number;
}

export class AllMetricsResponseDto {
  @ApiProperty({ type: [MetricsResponseDto] }) metrics: MetricsResponseDto[];
}
