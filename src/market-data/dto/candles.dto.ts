import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LimitQueryDto } from '../../infra/http/limit-query.dto';

/** `?limit=` of closed candles (default 100). */
export class CandlesQueryDto extends LimitQueryDto {}

export class CandleDto {
  @ApiProperty({ description: 'Open time, ms' }) open_time: number;
  @ApiProperty() open: number;
  @ApiProperty() high: number;
  @ApiProperty() low: number;
  @ApiProperty() close: number;
  @ApiProperty({ description: 'Base-coin volume' }) volume: number;
  @ApiProperty({ description: 'Quote (USDT) turnover' }) turnover: number;
}

export class CandlesResponseDto {
  @ApiProperty() symbol: string;
  @ApiProperty({ type: [CandleDto], description: 'Closed 1-minute candles, oldest first' }) candles: CandleDto[];
  @ApiPropertyOptional({ type: CandleDto, nullable: true, description: 'The minute still forming' })
  current: CandleDto | null;
}
