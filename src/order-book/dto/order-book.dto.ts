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
  @ApiProperty({ example: '0.10' }) tick_size: string;
  @ApiProperty({ example: '0.001' }) qty_step: string;
  @ApiProperty({ example: '0.001' }) min_order_qty: string;
  @ApiProperty({ example: '5' }) min_notional: string;
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
  @ApiProperty({ description: 'Exchange time of the last update (ms)' }) exchange_ts: number;
  @ApiProperty({ description: 'Local receive time of the last update (ms)' }) updated_at_ms: number;
  @ApiProperty() synced: boolean;
  @ApiProperty() crossed: boolean;
  @ApiProperty() stale: boolean;
}

export class ClusterDto {
  @ApiProperty({ nullable: true, type: Number }) price: number | null;
  @ApiProperty() notional: number;
}

export class MetricsResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ nullable: true, type: Number }) mid: number | null;
  @ApiProperty({ nullable: true, type: Number }) micro_price: number | null;
  @ApiProperty({ nullable: true, type: Number }) spread_abs: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'spread / mid' }) spread_rel: number | null;
  @ApiProperty({ description: 'bid share of volume, best 5 levels' }) imbalance_5: number;
  @ApiProperty() imbalance_10: number;
  @ApiProperty() imbalance_total: number;
  @ApiProperty({ type: ClusterDto }) largest_bid_cluster: ClusterDto;
  @ApiProperty({ type: ClusterDto }) largest_ask_cluster: ClusterDto;
  @ApiProperty() bid_clusters: number;
  @ApiProperty() ask_clusters: number;
  @ApiProperty({ nullable: true, type: Number }) support: number | null;
  @ApiProperty({ nullable: true, type: Number }) resistance: number | null;
  @ApiProperty({ nullable: true, type: Number }) distance_to_support: number | null;
  @ApiProperty({ nullable: true, type: Number }) distance_to_resistance: number | null;
  @ApiProperty() stale: boolean;
  @ApiProperty() u: number;
}

export class AllMetricsResponseDto {
  @ApiProperty({ type: [MetricsResponseDto] }) metrics: MetricsResponseDto[];
}
